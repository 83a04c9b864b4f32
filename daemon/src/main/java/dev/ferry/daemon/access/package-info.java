/**
 * Per-export access rules for the NBD server: the rules file's grammar ({@link dev.ferry.daemon.access.AccessRules}),
 * who a rule names ({@link dev.ferry.daemon.access.PeerMatcher}), and the rules as the server's
 * {@link dev.ferry.nbd.access.ExportAccess}, reloaded on SIGHUP ({@link dev.ferry.daemon.access.ReloadableAccess}), and
 * the {@code --access-rules} option that loads them ({@link dev.ferry.daemon.access.AccessOptions}).
 */
package dev.ferry.daemon.access;
