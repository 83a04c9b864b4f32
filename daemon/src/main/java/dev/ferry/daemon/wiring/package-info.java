/**
 * The daemon's wiring, the one place that builds its services: the volume layer (metadata, activation, the
 * control API's routes and pvmove over them) and the NBD server over the shared export catalog, in start order.
 */
package dev.ferry.daemon.wiring;
