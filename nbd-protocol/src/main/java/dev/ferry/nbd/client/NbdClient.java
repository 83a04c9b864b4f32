package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_CACHE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FAST_ZERO;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_NO_HOLE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * One negotiated NBD connection in the transmission phase: thread-safe, non-blocking, pipelined.
 *
 * <p>Requests are validated against the negotiated flags, size and block size constraints, then sent with a
 * unique cookie; replies may arrive in any order. At most {@code maxInFlight} requests are on the wire; further
 * ones wait in a FIFO queue of {@code maxQueued}, and a request beyond that fails at once with
 * {@link RejectedExecutionException} (callers never block). A server error fails the request's future with
 * {@link NbdErrorException}; a lost connection fails every pending future with
 * {@link NbdConnectionClosedException}; a protocol violation by the server closes the connection with an
 * {@link NbdProtocolException} as the cause.
 */
public final class NbdClient implements NbdBlockClient {

    private final Channel channel;
    /** Set by {@link #disconnect()}: later requests fail at once. */
    private volatile boolean disconnecting;
    private final TransmissionHandler transmission;
    private final NbdExportInfo export;
    private final ReplyFormat format;
    private final Map<String, Integer> metaContexts;
    private final RequestValidator validator;

    private NbdClient(Channel channel, Negotiated negotiated) {
        this.channel = channel;
        this.transmission = negotiated.transmission();
        this.export = negotiated.export();
        this.format = negotiated.format();
        this.metaContexts = negotiated.metaContexts();
        this.validator = new RequestValidator(export, format, metaContexts);
    }

    /** Connects, negotiates (GO, or EXPORT_NAME when GO is unsupported) and enters transmission. */
    public static CompletableFuture<NbdClient> connect(NbdClientConfig config) {
        return NbdConnector.open(config, NegotiationHandler.Purpose.GO)
                .thenApply(o -> new NbdClient(o.channel(), o.negotiated()));
    }

    /** Lists the server's exports (NBD_OPT_LIST), then aborts the handshake. */
    public static CompletableFuture<List<NbdExport>> listExports(String host, int port) {
        return listExports(NbdClientConfig.builder(host, port).build());
    }

    /** Lists the server's exports (NBD_OPT_LIST) with the given connection settings. */
    public static CompletableFuture<List<NbdExport>> listExports(NbdClientConfig config) {
        return NbdConnector.open(config, NegotiationHandler.Purpose.LIST).thenApply(o -> o.negotiated().exports());
    }

    /** Asks for the details of {@code config.exportName()} (NBD_OPT_INFO), then aborts the handshake. */
    public static CompletableFuture<NbdExportInfo> info(NbdClientConfig config) {
        return NbdConnector.open(config, NegotiationHandler.Purpose.INFO).thenApply(o -> o.negotiated().export());
    }

    /** The export's details as negotiated. */
    public NbdExportInfo export() {
        return export;
    }

    /** Export size in bytes. */
    public long size() {
        return export.size();
    }

    /** Transmission flags (NBD_FLAG_*). */
    public int transmissionFlags() {
        return export.transmissionFlags();
    }

    /** The advertised block size constraints, or {@link BlockSizeConstraints#DEFAULT} when none were sent. */
    public BlockSizeConstraints blockSize() {
        return export.blockSize() == null ? BlockSizeConstraints.DEFAULT : export.blockSize();
    }

    /** The reply format agreed on. */
    public ReplyFormat replyFormat() {
        return format;
    }

    /** Whether structured replies (or extended headers, which imply them) are on. */
    public boolean structuredReplies() {
        return format != ReplyFormat.SIMPLE;
    }

    /** Whether extended headers are on. */
    public boolean extendedHeaders() {
        return format == ReplyFormat.EXTENDED;
    }

    /** Selected meta contexts, name to server-assigned id. */
    @Override
    public Map<String, Integer> metaContexts() {
        return metaContexts;
    }

    /** Reads {@code length} bytes; holes arrive zero-filled. The caller owns (and releases) the buffer. */
    public CompletableFuture<ByteBuf> read(long offset, int length) {
        return read(offset, length, 0);
    }

    /** Reads with command flags (FUA, DF). The caller owns (and releases) the buffer. */
    public CompletableFuture<ByteBuf> read(long offset, int length, int flags) {
        return typed(NBD_CMD_READ, flags, offset, length, null, "READ", RawReply::data);
    }

    /** Writes all readable bytes of {@code data}; this call takes ownership of {@code data}. */
    public CompletableFuture<Void> write(long offset, ByteBuf data) {
        return write(offset, data, 0);
    }

    /** Writes with command flags (e.g. {@link NbdConstants#NBD_CMD_FLAG_FUA}); takes ownership of {@code data}. */
    public CompletableFuture<Void> write(long offset, ByteBuf data, int flags) {
        return typed(NBD_CMD_WRITE, flags, offset, data.readableBytes(), data, "WRITE", r -> null);
    }

    /** Makes every write already completed durable (NBD_CMD_FLUSH). */
    public CompletableFuture<Void> flush() {
        return typed(NBD_CMD_FLUSH, 0, 0, 0, null, "FLUSH", r -> null);
    }

    /** Discards a range (advisory; contents afterwards are undefined). */
    public CompletableFuture<Void> trim(long offset, long length) {
        return trim(offset, length, 0);
    }

    /** Discards a range with command flags (FUA). */
    public CompletableFuture<Void> trim(long offset, long length, int flags) {
        return typed(NBD_CMD_TRIM, flags, offset, length, null, "TRIM", r -> null);
    }

    /** Zeroes a range; {@code noHole} forbids punching holes, {@code fastZero} asks to fail fast (ENOTSUP). */
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero) {
        int flags = (noHole ? NBD_CMD_FLAG_NO_HOLE : 0) | (fastZero ? NBD_CMD_FLAG_FAST_ZERO : 0);
        return writeZeroes(offset, length, flags);
    }

    /** Zeroes a range with explicit command flags (FUA, NO_HOLE, FAST_ZERO). */
    public CompletableFuture<Void> writeZeroes(long offset, long length, int flags) {
        return typed(NBD_CMD_WRITE_ZEROES, flags, offset, length, null, "WRITE_ZEROES", r -> null);
    }

    /** Asks the server to prefetch a range (advisory). */
    public CompletableFuture<Void> cache(long offset, long length) {
        return typed(NBD_CMD_CACHE, 0, offset, length, null, "CACHE", r -> null);
    }

    /**
     * The {@code base:allocation} extents from {@code offset}: (length, NBD_STATE_HOLE|NBD_STATE_ZERO flags).
     * They cover at least one byte; the last may extend past the request unless {@code reqOne}.
     */
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length, boolean reqOne) {
        int id = metaContexts.getOrDefault(NbdConstants.BASE_ALLOCATION, -1);
        return typed(NBD_CMD_BLOCK_STATUS, reqOne ? NBD_CMD_FLAG_REQ_ONE : 0, offset, length, null, "BLOCK_STATUS",
                r -> r.blockStatus().get(id));
    }

    /**
     * Sends any request without client-side validation (for tests of servers): any type, flags, offset and
     * length, with an optional payload (ownership moves to this call). The future completes with whatever the
     * server answered, errors included, and fails only when the connection fails. A READ must ask for at most
     * {@link Integer#MAX_VALUE} bytes, because its answer is buffered.
     */
    public CompletableFuture<RawReply> sendRaw(int type, int flags, long offset, long length, ByteBuf payload) {
        if (type == NBD_CMD_READ && (length < 0 || length > Integer.MAX_VALUE)) {
            if (payload != null) {
                payload.release();
            }
            return CompletableFuture.failedFuture(new IllegalArgumentException("raw READ of " + length
                    + " bytes cannot be buffered"));
        }
        PendingRequest request = new PendingRequest(type, flags, offset, length, payload);
        submit(request);
        return request.future();
    }

    /**
     * Writes arbitrary bytes on the transmission stream, bypassing the request encoder and cookie tracking
     * (for tests of how a server handles garbage, bad magic or truncated headers); takes ownership of
     * {@code bytes}. A reply to such bytes has no pending cookie, so it fails the connection. The future fails
     * when the bytes cannot be written, with {@link NbdConnectionClosedException} once the connection is gone.
     */
    public CompletableFuture<Void> writeRawBytes(ByteBuf bytes) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        EventLoopTasks.run(channel, () -> channel.writeAndFlush(bytes).addListener(f -> {
            if (f.isSuccess()) {
                written.complete(null);
            } else {
                written.completeExceptionally(f.cause());
            }
        }), gone -> {
            bytes.release();
            written.completeExceptionally(loopGone(gone));
        });
        return written;
    }

    /**
     * Stops accepting requests, lets every pending request finish, then sends NBD_CMD_DISC and closes.
     * Completes when the connection has closed.
     */
    public CompletableFuture<Void> disconnect() {
        disconnecting = true;
        EventLoopTasks.run(channel, transmission::disconnect, gone -> channel.close());
        return transmission.closedFuture();
    }

    /** Closes the connection now; pending requests fail with {@link NbdConnectionClosedException}. */
    @Override
    public void close() {
        channel.close();
    }

    /** Completes when the connection has closed, for whatever reason. */
    public CompletableFuture<Void> closeFuture() {
        return transmission.closedFuture();
    }

    /** Whether the connection is open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    private <T> CompletableFuture<T> typed(int type, int flags, long offset, long length, ByteBuf payload,
                                           String what, Function<RawReply, T> result) {
        try {
            validator.check(type, flags, offset, length);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            if (payload != null) {
                payload.release();
            }
            return CompletableFuture.failedFuture(e);
        }
        // with extended headers a WRITE's length is marked as a payload length (ext: mandatory on WRITE)
        int wireFlags = type == NBD_CMD_WRITE && format == ReplyFormat.EXTENDED
                ? flags | NbdConstants.NBD_CMD_FLAG_PAYLOAD_LEN : flags;
        PendingRequest request = new PendingRequest(type, wireFlags, offset, length, payload);
        submit(request);
        return request.future().thenApply(reply -> {
            if (!reply.ok()) {
                throw new NbdErrorException(reply.error(), what + " [" + offset + ", +" + length + ")",
                        reply.message());
            }
            return result.apply(reply);
        });
    }

    private void submit(PendingRequest request) {
        if (disconnecting) {   // also once the drained connection's loop is gone: the same answer every time
            request.fail(new IllegalStateException("connection is disconnecting; no new requests"));
            return;
        }
        EventLoopTasks.run(channel, () -> transmission.submit(request), gone -> request.fail(loopGone(gone)));
    }

    private static NbdConnectionClosedException loopGone(RejectedExecutionException cause) {
        return new NbdConnectionClosedException("NBD client event loop has shut down", cause);
    }
}
