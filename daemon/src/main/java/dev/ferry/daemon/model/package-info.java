/**
 * The volume model at the bottom of the daemon: the immutable PV/VG/LV model, its JSON document, extent
 * allocation, and the LVM-style operations ({@link dev.ferry.daemon.model.VolumeManager}) that commit every change
 * crash-safely. It knows nothing of devices, tables or the mapper.
 */
package dev.ferry.daemon.model;
