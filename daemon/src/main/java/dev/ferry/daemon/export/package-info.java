/**
 * The NBD side of the daemon's devices: the live catalog of exports the NBD server serves, and the adapter that
 * serves a mapper block device as an NBD export.
 */
package dev.ferry.daemon.export;
