/**
 * The volume operations the control API calls: each LVM verb commits through the volume manager, then brings the
 * activation layer in step; operations built on top (pvmove) commit and apply through the same serialised step.
 */
package dev.ferry.daemon.operations;
