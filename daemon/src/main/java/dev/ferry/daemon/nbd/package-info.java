/** The daemon's NBD side: the live catalog of exports and the service running the NBD server over it. */
package dev.ferry.daemon.nbd;
