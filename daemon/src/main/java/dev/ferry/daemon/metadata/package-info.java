/**
 * Ferry's on-disk metadata format: the PV label, the double-slot metadata area and the crash-safe
 * commit of an opaque VG document across all PVs of a volume group (see {@code daemon/FORMAT.md}).
 */
package dev.ferry.daemon.metadata;
