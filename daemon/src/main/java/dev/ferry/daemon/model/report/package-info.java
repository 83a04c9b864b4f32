/**
 * LVM-style reports ({@code pvs}, {@code vgs}, {@code lvs}) over a {@link dev.ferry.daemon.model.VolumeManager}:
 * LVM's field names, columns, units and its JSON report layout.
 */
package dev.ferry.daemon.model.report;
