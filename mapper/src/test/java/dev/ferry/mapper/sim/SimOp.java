package dev.ferry.mapper.sim;

import java.util.concurrent.CompletableFuture;

/**
 * One request the simulation issued to the front device.
 *
 * @param seq    issue order
 * @param kind   what it does
 * @param offset first byte
 * @param length bytes
 * @param buffer the caller buffer (data written, or filled by a read); null for zeroing
 * @param epoch  {@code device#suspension} if it was queued by a suspended device at issue, else null
 * @param result its completion
 */
record SimOp(long seq, Kind kind, long offset, int length, byte[] buffer, String epoch,
        CompletableFuture<Void> result) {

    /** Request kinds. */
    enum Kind {
        READ, WRITE, ZERO
    }

    int firstBlock() {
        return (int) (offset / SimulationHarness.BLOCK);
    }

    int lastBlock() {
        return (int) ((offset + length - 1) / SimulationHarness.BLOCK);
    }

    @Override
    public String toString() {
        return kind + "#" + seq + " " + offset + "+" + length + (epoch == null ? "" : " queued@" + epoch);
    }
}
