package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.table.Table;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The block operations of a mapped device as {@link RequestGate.Request}s on whichever table the
 * request is pinned to: range-checked against that table, split at its target boundaries, buffers
 * sliced per piece without copying.
 */
final class TableRequests {

    private TableRequests() {
    }

    static RequestGate.Request<Void> read(String device, long offset, ByteBuffer dst) {
        return t -> checked(offset, dst.remaining(), t) ? t.split(offset, dst.remaining(),
                (target, to, done, n) -> target.read(to, piece(dst, done, n))) : outside(device, offset, dst.remaining(), t);
    }

    static RequestGate.Request<Void> write(String device, long offset, ByteBuffer src, boolean fua) {
        return t -> checked(offset, src.remaining(), t) ? t.split(offset, src.remaining(),
                (target, to, done, n) -> target.write(to, piece(src, done, n), fua)) : outside(device, offset, src.remaining(), t);
    }

    static RequestGate.Request<Void> discard(String device, long offset, long length) {
        return t -> checked(offset, length, t) ? t.split(offset, length,
                (target, to, done, n) -> target.discard(to, n)) : outside(device, offset, length, t);
    }

    static RequestGate.Request<Void> writeZeroes(String device, long offset, long length, boolean mayUnmap) {
        return t -> checked(offset, length, t) ? t.split(offset, length,
                (target, to, done, n) -> target.writeZeroes(to, n, mayUnmap)) : outside(device, offset, length, t);
    }

    static RequestGate.Request<List<Extent>> allocation(String device, long offset, long length) {
        return t -> length > 0 && checked(offset, length, t) ? t.allocation(offset, length)
                : outside(device, offset, length, t);
    }

    /** Whether the range is non-empty and lies within the table (an empty valid range completes at once). */
    private static boolean checked(long offset, long length, Table t) {
        return offset >= 0 && length > 0 && offset <= t.size() - length;
    }

    private static <T> CompletableFuture<T> outside(String device, long offset, long length, Table t) {
        if (length == 0 && offset >= 0 && offset <= t.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.INVALID, "device '" + device
                + "': range " + offset + "+" + length + " outside device of " + t.size() + " bytes"));
    }

    private static ByteBuffer piece(ByteBuffer buf, long done, long length) {
        if (done == 0 && length == buf.remaining()) {
            return buf;
        }
        int start = buf.position() + (int) done;
        return buf.duplicate().limit(start + (int) length).position(start);
    }
}
