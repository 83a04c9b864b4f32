/**
 * AIX's mirror verbs over mirrored LVs: {@code migratepp} (move one copy of a logical extent, AIX's physical
 * partition, to another PE with the extend, resync and reduce steps of {@code lvm_migratepp}) and
 * {@code resynclp}/{@code resynclv}/{@code resyncpv} (copy a good copy onto stale copies, or with force onto all), all
 * run as background jobs with progress that are recorded in the VG metadata and resumed after a restart.
 * Built on the operations layer's serialised commits and the activation layer's live mirrors.
 */
package dev.ferry.daemon.mirror;
