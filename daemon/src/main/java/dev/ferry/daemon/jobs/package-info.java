/**
 * What the daemon's background copy jobs (pvmove, migratepp, the resync verbs) share: their copy-rate meter and
 * timer. Depends on no other daemon package.
 */
package dev.ferry.daemon.jobs;
