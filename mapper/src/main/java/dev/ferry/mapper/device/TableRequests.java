package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.target.Target;
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
        return new Read(device, offset, dst);
    }

    static RequestGate.Request<Void> write(String device, long offset, ByteBuffer src, boolean fua) {
        return new Write(device, offset, src, fua);
    }

    /** A read: the request and its per-piece operation in one object, the hot path allocating little. */
    private record Read(String device, long offset, ByteBuffer dst) implements RequestGate.Request<Void>, Table.PieceOp {
        @Override
        public CompletableFuture<Void> apply(Table t) {
            int n = dst.remaining();
            return checked(offset, n, t) ? t.split(offset, n, this) : outside(device, offset, n, t);
        }

        @Override
        public CompletableFuture<Void> apply(Target target, long targetOffset, long done, long length) {
            return target.read(targetOffset, piece(dst, done, length));
        }
    }

    /** A write: the request and its per-piece operation in one object. */
    private record Write(String device, long offset, ByteBuffer src, boolean fua)
            implements RequestGate.Request<Void>, Table.PieceOp {
        @Override
        public CompletableFuture<Void> apply(Table t) {
            int n = src.remaining();
            return checked(offset, n, t) ? t.split(offset, n, this) : outside(device, offset, n, t);
        }

        @Override
        public CompletableFuture<Void> apply(Target target, long targetOffset, long done, long length) {
            return target.write(targetOffset, piece(src, done, length), fua);
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
