/**
 * What every {@code ferry} command shares, on the daemon's side and the client's: exit codes, the failure that
 * carries one, the duration syntax, and the default locations of the data directory and control socket.
 */
package dev.ferry.daemon.command;
