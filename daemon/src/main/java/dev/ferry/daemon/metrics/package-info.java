/**
 * The daemon's own Prometheus meters (NBD traffic per export, mapped devices, pvmoves, metadata commits), each binder
 * fed by a port of the layer it watches, and the optional listener serving the registry outside the control API.
 */
package dev.ferry.daemon.metrics;
