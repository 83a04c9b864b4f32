/**
 * The LVM-style commands ({@code pvcreate}, {@code vgcreate}, {@code lvcreate}, {@code lvs}, ...), thin
 * clients of the daemon's volume routes with LVM's names, options and messages.
 */
package dev.ferry.daemon.cli.lvm;
