/**
 * The control API's volume and device-mapper routes: LVM verbs and reports over {@link
 * dev.ferry.daemon.operations.VolumeOperations}, dmsetup over the mapper's device registry, and the mapping of
 * their refusals to stable error names and HTTP statuses.
 */
package dev.ferry.daemon.api;
