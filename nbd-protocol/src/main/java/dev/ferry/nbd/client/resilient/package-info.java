/**
 * An NBD client that never hangs and never reports a flush that did not happen: one export reached through a
 * sequence of {@link dev.ferry.nbd.client.NbdClient} connections, with request deadlines, idle heartbeats, a bounded
 * reconnect window with in-order resends, no two overlapping writes in flight, and bookkeeping of the writes a
 * reconnect may have lost. {@link dev.ferry.nbd.client.resilient.ResilientNbdClient} is the entry point;
 * {@code nbd-protocol/docs/client.md} describes the behaviour.
 */
package dev.ferry.nbd.client.resilient;
