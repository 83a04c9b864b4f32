package dev.ferry.nbd.client.resilient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the simulated callers know: per byte, the latest submitted and the latest acknowledged contents, when they
 * were submitted and acknowledged, how many writes are pending, and whether a failed write or a TRIM left it
 * undefined. It checks reads (a byte with no write pending since the read was submitted reads as acknowledged, even
 * after a server crash reverted it: the client replays it first or refuses the read) and successful FLUSHes (such a
 * byte is durable as acknowledged).
 */
final class SimModel {

    final byte[] submitted;
    private final byte[] acked;
    private final long[] submitTime;
    private final long[] ackTime;
    private final int[] pending;
    private final boolean[] undefined;
    /** Whether the latest submission covering the byte is a TRIM: a write acknowledged before it leaves it undefined. */
    private final boolean[] trimmedLast;
    final List<String> failures = new ArrayList<>();

    SimModel(int size) {
        submitted = new byte[size];
        acked = new byte[size];
        submitTime = new long[size];
        ackTime = new long[size];
        pending = new int[size];
        undefined = new boolean[size];
        trimmedLast = new boolean[size];
        Arrays.fill(submitTime, -1);
        Arrays.fill(ackTime, -1);
    }

    /** A caller submitted a write of {@code data} (zeroes for WRITE_ZEROES; null for TRIM) at {@code off}. */
    void submit(long now, int off, int len, byte[] data) {
        for (int b = off; b < off + len; b++) {
            submitTime[b] = now;
            pending[b]++;
            trimmedLast[b] = data == null;
            if (data == null) {
                undefined[b] = true;
            } else {
                submitted[b] = data[b - off];
            }
        }
    }

    /** The write submitted with {@code data} completed ({@code ok}) or failed. */
    void completed(long now, int off, int len, byte[] data, boolean ok) {
        for (int b = off; b < off + len; b++) {
            pending[b]--;
            if (!ok) {
                undefined[b] = true;
            } else if (data != null) {
                acked[b] = data[b - off];
                ackTime[b] = now;
                undefined[b] = trimmedLast[b];
            }
        }
    }

    /** The caller gave up on these bytes (lost by a crash, acknowledged as such). */
    void forgive(List<ByteRange> ranges) {
        for (ByteRange r : ranges) {
            Arrays.fill(undefined, (int) r.offset(), (int) r.end(), true);
        }
    }

    private boolean settledBefore(int b, long since) {
        return submitTime[b] < since && ackTime[b] < since && pending[b] == 0 && !undefined[b];
    }

    void checkRead(long submittedAt, int off, byte[] got) {
        for (int b = off; b < off + got.length; b++) {
            if (settledBefore(b, submittedAt) && got[b - off] != acked[b]) {
                failures.add("READ submitted at " + submittedAt + " saw byte " + b + " = " + got[b - off]
                        + ", acknowledged " + acked[b]);
                return;
            }
        }
    }

    void checkFlush(long submittedAt, byte[] durable, String what) {
        for (int b = 0; b < durable.length; b++) {
            if (settledBefore(b, submittedAt) && durable[b] != acked[b]) {
                failures.add(what + " submitted at " + submittedAt + " succeeded but byte " + b + " is durable as "
                        + durable[b] + ", acknowledged " + acked[b] + " at " + ackTime[b]);
                return;
            }
        }
    }
}
