/** {@code ferry serve}: one file or block device served over NBD, with its lifecycle and signals. */
package dev.ferry.daemon.serve;
