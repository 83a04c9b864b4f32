/** Adapters that serve mapper block devices as NBD exports. */
package dev.ferry.daemon.export;
