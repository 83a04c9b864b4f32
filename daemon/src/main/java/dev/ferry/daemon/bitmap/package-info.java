/**
 * Dirty bitmaps of logical volumes (qemu's {@code qemu:dirty-bitmap:NAME} meta context): which granules of an LV
 * were written since a bitmap was added or cleared, kept across clean restarts and marked inconsistent after an
 * unclean one, so incremental backups copy only what changed.
 */
package dev.ferry.daemon.bitmap;
