package dev.ferry.nbd.client.resilient;

import java.util.List;

/**
 * A READ was refused because its range overlaps writes acknowledged before a reconnect that no FLUSH covered and
 * the replay journal could not keep: the server may hold older data there, and a block device must not return data
 * older than it acknowledged. The range reads again once each lost write is overwritten (or trimmed) through the
 * client, or its owner calls {@link ResilientNbdClient#acknowledgeLostWrites()}.
 */
public final class NbdLostDataReadException extends NbdEioException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for the read {@code [offset, offset + length)}; its message names the ranges of
     * {@code lost} (every range that may have been lost) that the read overlaps.
     */
    public NbdLostDataReadException(long offset, long length, List<ByteRange> lost) {
        super("READ of " + length + " bytes at " + offset + " refused: it overlaps writes to "
                + ByteRange.describe(lost.stream().filter(r -> r.offset() < offset + length && offset < r.end())
                        .toList()) + " that were acknowledged before a reconnect and may be lost (no FLUSH"
                + " covered them and the replay journal could not keep them), so the server may hold older data", null);
    }
}
