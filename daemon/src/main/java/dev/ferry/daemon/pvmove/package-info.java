/**
 * pvmove, whole: the planner (LVM's pvmove LV and refusals), the resolver that ends a move in the metadata, the job
 * that drives segments DISABLED, RUNNING, COMPLETED with crash resume, the service that starts, aborts, re-rates
 * and throttles moves, and their progress. It reaches activation only through narrow calls (commit-and-apply on
 * the volume operations, one segment's recovery) and locks only its own objects.
 */
package dev.ferry.daemon.pvmove;
