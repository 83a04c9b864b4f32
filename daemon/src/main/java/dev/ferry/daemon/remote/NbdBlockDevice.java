package dev.ferry.daemon.remote;

import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdBlockClient;
import dev.ferry.nbd.client.NbdErrorException;
import dev.ferry.nbd.client.resilient.NbdLostWritesException;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongFunction;

/**
 * A remote PV's export as a mapper {@link BlockDevice}, over its {@link RemoteExport}'s connection.
 *
 * <p>Requests larger than the server's maximum payload are split. A FUA write uses NBD's FUA flag when the export
 * offers it, else a write followed by a FLUSH; discards and zeroing use TRIM and WRITE_ZEROES when offered (a
 * discard is skipped otherwise: it is advisory; zeroing then writes zeroes). Allocation comes from
 * {@code base:allocation} when it was negotiated, else everything reads as allocated. Failures are
 * {@link BlockIoException}s: server errors by their errno, a lost connection, a request past its deadline, a FLUSH
 * refused over writes a reconnect may have lost (and anything else) as an I/O error, so the lost-PV watch sees a
 * failing medium; such a refused FLUSH also fails the PV's link ({@link RemoteExport#flushRefused}). Label reads
 * and writes (a whole label from offset 0) tell the link the PV's identity ({@link LabelIdentity}). {@link #close}
 * does not close the connection; its owner does.
 */
public final class NbdBlockDevice implements BlockDevice {
    private final RemoteExport export;
    private final NbdBlockClient client;
    private final int maxPayload;
    private final Runnable onClose;

    /** A device over {@code export}'s connection; {@code onClose} runs once on {@link #close}. */
    NbdBlockDevice(RemoteExport export, Runnable onClose) {
        this.export = export;
        this.client = export.client();
        this.maxPayload = Math.max(4096, client.blockSize().maxPayload());
        this.onClose = onClose;
    }

    /** Why this device's connection failed (closed, or reported failed), or empty while it is usable. */
    public Optional<String> connectionFailure() {
        RemoteHealth health = export.health();
        return health.state() == RemoteHealth.State.FAILED ? Optional.of(health.reason()) : Optional.empty();
    }

    /**
     * Whether the link is reconnecting: its requests wait, and each completes or fails within {@link #requestBound},
     * so the link's own verdict (UP again, or FAILED) is due before then.
     */
    public boolean reconnecting() {
        return export.health().state() == RemoteHealth.State.RECONNECTING;
    }

    /** The longest one request may take: the PV's request timeout plus its reconnect window, plus a second. */
    Duration requestBound() {
        return export.requestBound();
    }

    @Override
    public long size() {
        return client.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        ByteBuffer view = dst.duplicate();
        CompletableFuture<Void> read = pieces(offset, view.remaining(), maxPayload, at -> {
            int n = (int) Math.min(maxPayload, offset + dst.remaining() - at);
            int into = view.position() + (int) (at - offset);
            return client.read(at, n).thenAccept(buf -> {
                try {
                    buf.getBytes(buf.readerIndex(), view.duplicate().position(into).limit(into + n));
                } finally {
                    buf.release();
                }
            });
        }, "read");
        if (offset == 0 && dst.remaining() >= PvLabel.SIZE) {
            ByteBuffer label = dst.slice();
            return read.thenRun(() -> export.labelSeen(label));
        }
        return read;
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        ByteBuffer view = src.duplicate();
        boolean nativeFua = fua && client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FUA);
        CompletableFuture<Void> written = pieces(offset, view.remaining(), maxPayload, at -> {
            int n = (int) Math.min(maxPayload, offset + src.remaining() - at);
            int from = view.position() + (int) (at - offset);
            ByteBuf data = Unpooled.wrappedBuffer(view.duplicate().position(from).limit(from + n));
            return client.write(at, data, nativeFua ? NbdConstants.NBD_CMD_FLAG_FUA : 0);
        }, "write");
        if (offset == 0 && src.remaining() >= PvLabel.SIZE) {
            ByteBuffer label = ByteBuffer.allocate(PvLabel.SIZE).put(src.duplicate().limit(src.position()
                    + PvLabel.SIZE)).flip();
            written = written.thenRun(() -> export.labelSeen(label));
        }
        return fua && !nativeFua ? written.thenCompose(v -> flush()) : written;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return mapped(client.flush().whenComplete((v, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof NbdLostWritesException lost) {
                export.flushRefused(lost.getMessage());
            }
        }), "flush");
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        if (!client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_TRIM) || length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return pieces(offset, length, maxPayload, at -> client.trim(at, Math.min(maxPayload, offset + length - at)),
                "discard");
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        if (length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_WRITE_ZEROES)) {
            int flags = mayUnmap ? 0 : NbdConstants.NBD_CMD_FLAG_NO_HOLE;
            return pieces(offset, length, maxPayload,
                    at -> client.writeZeroes(at, Math.min(maxPayload, offset + length - at), flags), "write zeroes");
        }
        int chunk = (int) Math.min(maxPayload, 1 << 20);
        ByteBuffer zeros = ByteBuffer.allocate(chunk);
        return pieces(offset, length, chunk, at -> client.write(at,
                Unpooled.wrappedBuffer(zeros.duplicate().limit((int) Math.min(chunk, offset + length - at))), 0),
                "write zeroes");
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        long n = Math.min(length, Integer.MAX_VALUE);
        if (!client.metaContexts().containsKey(NbdConstants.BASE_ALLOCATION)) {
            return CompletableFuture.completedFuture(List.of(Extent.data(offset, n)));
        }
        return mapped(client.blockStatus(offset, n, false), "block status").thenApply(found -> {
            List<Extent> out = new ArrayList<>();
            long at = offset;
            for (BlockStatusExtent e : found) {
                long len = Math.min(e.length(), offset + n - at);
                if (len <= 0) {
                    break;
                }
                boolean hole = (e.flags() & NbdConstants.NBD_STATE_HOLE) != 0;
                boolean zero = (e.flags() & NbdConstants.NBD_STATE_ZERO) != 0;
                out.add(new Extent(at, len, !hole, zero));
                at += len;
            }
            return out.isEmpty() ? List.of(Extent.data(offset, n)) : out;
        });
    }

    @Override
    public String describe() {
        return export.uri().toString();
    }

    @Override
    public void close() {
        onClose.run();
    }

    /** Issues one request per piece of at most {@code piece} bytes over {@code [offset, offset + length)}. */
    private static CompletableFuture<Void> pieces(long offset, long length, int piece,
                                                  LongFunction<CompletableFuture<Void>> request, String what) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (long at = offset; at < offset + length; at += piece) {
            all.add(request.apply(at));
        }
        CompletableFuture<Void> done = all.size() == 1 ? all.get(0)
                : CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        return mapped(done, what + " of " + length + " bytes at " + offset);
    }

    /** {@code io} with its failure as a {@link BlockIoException}. */
    private static <T> CompletableFuture<T> mapped(CompletableFuture<T> io, String what) {
        return io.handle((value, failure) -> {
            if (failure == null) {
                return value;
            }
            throw new CompletionException(toBlockIo(failure, what));
        });
    }

    /** The {@link BlockIoException} for an NBD client failure. */
    static BlockIoException toBlockIo(Throwable failure, String what) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof BlockIoException b) {
            return b;
        }
        BlockIoException.Kind kind = BlockIoException.Kind.IO_ERROR;
        if (cause instanceof NbdErrorException e) {
            kind = switch (e.errno()) {
                case NbdConstants.NBD_ENOSPC -> BlockIoException.Kind.NO_SPACE;
                case NbdConstants.NBD_EINVAL, NbdConstants.NBD_EOVERFLOW -> BlockIoException.Kind.INVALID;
                case NbdConstants.NBD_ENOTSUP -> BlockIoException.Kind.NOT_SUPPORTED;
                case NbdConstants.NBD_EPERM -> BlockIoException.Kind.READ_ONLY;
                default -> BlockIoException.Kind.IO_ERROR;
            };
        } else if (cause instanceof IllegalArgumentException || cause instanceof UnsupportedOperationException) {
            kind = BlockIoException.Kind.INVALID;
        }
        return new BlockIoException(kind, "remote PV " + what + " failed: " + cause.getMessage(), cause);
    }
}
