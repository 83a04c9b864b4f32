/**
 * Remote PVs: a PV that is an NBD export ({@code nbd://}, {@code nbd+unix://}), reached through Ferry's own NBD
 * client. One connection per remote PV carries its label and metadata area and its data; this package opens and
 * checks it (writable, FLUSH offered), adapts it to the metadata and block device interfaces, and tracks its
 * health for reports, metrics and the lost-PV watch.
 */
package dev.ferry.daemon.remote;
