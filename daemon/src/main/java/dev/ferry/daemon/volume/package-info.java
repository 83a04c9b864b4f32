/**
 * The volume manager: the immutable PV/VG/LV model, its JSON document, extent allocation, and the LVM-style
 * operations ({@link dev.ferry.daemon.volume.VolumeManager}) that commit every change crash-safely.
 */
package dev.ferry.daemon.volume;
