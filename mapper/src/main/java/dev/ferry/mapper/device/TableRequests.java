package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.Target;
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
        return new Transfer(device, offset, dst, false, false);
    }

    static RequestGate.Request<Void> write(String device, long offset, ByteBuffer src, boolean fua) {
        return new Transfer(device, offset, src, true, fua);
    }

    /**
     * A read or write: the request and its per-piece operation in one object, so the hot path allocates
     * little.
     */
    private record Transfer(String device, long offset, ByteBuffer buffer, boolean write, boolean fua)
            implements RequestGate.Request<Void>, Table.PieceOp {
        @Override
        public CompletableFuture<Void> apply(Table t) {
            int n = buffer.remaining();
            return checked(offset, n, t) ? t.split(offset, n, this) : outside(device, offset, n, t);
        }

        @Override
        public CompletableFuture<Void> apply(Target target, long targetOffset, long done, long length) {
            ByteBuffer piece = piece(buffer, done, length);
            return write ? target.write(targetOffset, piece, fua) : target.read(targetOffset, piece);
        }
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
