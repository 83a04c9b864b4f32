package dev.ferry.nbd.client.resilient;

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

import dev.ferry.nbd.client.NbdBlockClient;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.NbdConnectionClosedException;
import dev.ferry.nbd.client.NbdExportInfo;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An NBD client for one export that never hangs and never reports a flush that did not happen: the data-plane
 * methods of {@link NbdClient} over a sequence of connections, with the liveness rules of
 * {@link dev.ferry.nbd.client.NbdLiveness} and the link states of {@link LinkState}.
 *
 * <p>Every request completes or fails within the request timeout of its submission (plus the reconnect window,
 * once, if a connection loss happened during its life, plus one sweep tick of at most 100 ms). Requests are sent in
 * submission order, at most {@code maxInFlight} at a time; a write (WRITE, WRITE_ZEROES, TRIM) overlapping a write
 * on the wire waits, and so does everything behind it. A lost connection puts its unanswered requests back in
 * front, in submission order, and they are resent once a connection to the same export (same size, no flag lost,
 * {@link ReconnectCheck} passed) is UP; a request that timed out is failed rather than resent. Writes acknowledged
 * and not yet flushed are kept (up to {@link Builder#replayLimit}) and written again first on the next connection,
 * before anything overlapping them is read or any FLUSH is sent. A FLUSH succeeds only if no write acknowledged on an
 * earlier connection may have been lost unflushed; see {@link UnflushedWritesHandler} and
 * {@link NbdLostWritesException}. Thread-safe; callbacks run on the client's
 * event loop. Failures of its own are {@link NbdEioException}s; a server's error is
 * {@link dev.ferry.nbd.client.NbdErrorException}; a request past {@code maxInFlight + maxQueued} fails at once with
 * {@link RejectedExecutionException}.
 */
public final class ResilientNbdClient implements NbdBlockClient {

    /** Most disjoint ranges each of the lost and unflushed sets keeps before counting the whole export. */
    public static final int MAX_TRACKED_RANGES = 4096;
    /** Default bytes of acknowledged, unflushed writes kept for a replay after a reconnect: 32 MiB. */
    public static final long DEFAULT_REPLAY_LIMIT = 32L << 20;

    private final Loop loop;
    private final LinkStateMachine link;
    private final Runnable release;
    private Session session;

    private ResilientNbdClient(Loop loop, LinkStateMachine link, Runnable release) {
        this.loop = loop;
        this.link = link;
        this.release = release;
    }

    /** Connects with no hooks; see {@link #builder}. */
    public static CompletableFuture<ResilientNbdClient> connect(NbdClientConfig config) {
        return builder(config).connect();
    }

    /** A builder for a client of {@code config}'s export. */
    public static Builder builder(NbdClientConfig config) {
        return new Builder(config);
    }

    /**
     * Opens the first connection through {@code connector} and starts the client on {@code loop}; {@code release}
     * runs once the client has closed or the first connection failed.
     */
    static CompletableFuture<ResilientNbdClient> open(Loop loop, Connector connector, NbdClientConfig config,
                                                      Builder hooks, int maxRanges, Runnable release) {
        return connector.connect().handle((first, error) -> {
            if (error != null) {
                release.run();
                throw error instanceof RuntimeException r ? r : new CompletionException(error);
            }
            LinkStateMachine link = new LinkStateMachine(config.endpoint() + "/" + config.exportName());
            hooks.listeners.forEach(link::addListener);
            ResilientNbdClient client = new ResilientNbdClient(loop, link, release);
            CompletableFuture<Session> made = new CompletableFuture<>();
            loop.run(() -> made.complete(new Session(loop, connector, config, first, link,
                    new Session.Hooks(client, hooks.unflushedWrites, hooks.reconnectCheck,
                            hooks.replayLimit), maxRanges)));
            client.session = made.join();
            client.session.closedFuture().whenComplete((v, e) -> release.run());
            return client;
        });
    }

    /** The export as first negotiated (every later connection must match it). */
    @Override
    public NbdExportInfo export() {
        return session.export();
    }

    /** Export size in bytes. */
    @Override
    public long size() {
        return export().size();
    }

    /** Transmission flags (NBD_FLAG_*) as first negotiated. */
    @Override
    public int transmissionFlags() {
        return export().transmissionFlags();
    }

    /** The advertised block size constraints, or {@link BlockSizeConstraints#DEFAULT} when none were sent. */
    @Override
    public BlockSizeConstraints blockSize() {
        return export().blockSize() == null ? BlockSizeConstraints.DEFAULT : export().blockSize();
    }

    /**
     * The meta contexts selected on the first connection (name to id); a later connection that lost one of them
     * is refused like one that lost a transmission flag.
     */
    @Override
    public Map<String, Integer> metaContexts() {
        return session.metaContexts();
    }

    /** The link's current state. */
    public LinkState state() {
        return link.state();
    }

    /** The link's state, reconnect and loss counts, and last failure, for reports and metrics. */
    public LinkHealth health() {
        return link.health();
    }

    /** Adds a listener told about every later state change, on the client's event loop. */
    public void addListener(LinkListener listener) {
        link.addListener(listener);
    }

    /** Reads {@code length} bytes; the caller owns (and releases) the buffer. */
    @Override
    public CompletableFuture<ByteBuf> read(long offset, int length) {
        return read(offset, length, 0);
    }

    /** Reads with command flags; the caller owns (and releases) the buffer. */
    @Override
    public CompletableFuture<ByteBuf> read(long offset, int length, int flags) {
        return submit(new Op(NBD_CMD_READ, flags, offset, length, null)).thenApply(ByteBuf.class::cast);
    }

    /** Writes all readable bytes of {@code data}; takes ownership of {@code data}. */
    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf data) {
        return write(offset, data, 0);
    }

    /** Writes with command flags (FUA: durable when answered, so never among the lost); takes {@code data}. */
    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf data, int flags) {
        return done(new Op(NBD_CMD_WRITE, flags, offset, data.readableBytes(), data));
    }

    /** Makes the writes completed before it durable; fails with {@link NbdLostWritesException} when it cannot. */
    @Override
    public CompletableFuture<Void> flush() {
        return done(new Op(NBD_CMD_FLUSH, 0, 0, 0, null));
    }

    /** Discards a range (advisory). */
    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return trim(offset, length, 0);
    }

    /** Discards a range with command flags. */
    @Override
    public CompletableFuture<Void> trim(long offset, long length, int flags) {
        return done(new Op(NBD_CMD_TRIM, flags, offset, length, null));
    }

    /** Zeroes a range; {@code noHole} forbids punching holes, {@code fastZero} asks to fail fast (ENOTSUP). */
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero) {
        return writeZeroes(offset, length, (noHole ? NBD_CMD_FLAG_NO_HOLE : 0) | (fastZero ? NBD_CMD_FLAG_FAST_ZERO : 0));
    }

    /** Zeroes a range with command flags (FUA, NO_HOLE, FAST_ZERO). */
    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, int flags) {
        return done(new Op(NBD_CMD_WRITE_ZEROES, flags, offset, length, null));
    }

    /** Asks the server to prefetch a range (advisory). */
    @Override
    public CompletableFuture<Void> cache(long offset, long length) {
        return done(new Op(NBD_CMD_CACHE, 0, offset, length, null));
    }

    /** The {@code base:allocation} extents from {@code offset}, as {@link NbdClient#blockStatus}. */
    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length, boolean reqOne) {
        return submit(new Op(NBD_CMD_BLOCK_STATUS, reqOne ? NBD_CMD_FLAG_REQ_ONE : 0, offset, length, null))
                .thenApply(r -> (List<BlockStatusExtent>) r);
    }

    /** The ranges acknowledged before a reconnect and never flushed, which a FLUSH now refuses over. */
    public CompletableFuture<List<ByteRange>> lostWrites() {
        return onLoop(() -> session.lostWrites());
    }

    /**
     * Forgets the lost ranges, so that FLUSHes succeed again, and returns them: the caller takes responsibility
     * for their contents (e.g. it marked them stale, or the data did not matter).
     */
    public CompletableFuture<List<ByteRange>> acknowledgeLostWrites() {
        return onLoop(() -> session.acknowledgeLostWrites());
    }

    /** From FAILED, tries again for another reconnect window; does nothing in other states. */
    public void reconnect() {
        loop.run(() -> session.reconnect());
    }

    /** Takes no new requests, lets pending ones finish, sends NBD_CMD_DISC, and closes; completes when closed. */
    @Override
    public CompletableFuture<Void> disconnect() {
        loop.run(() -> session.disconnect());
        return session.closedFuture();
    }

    /** Closes now: pending requests fail with {@link NbdConnectionClosedException}. */
    @Override
    public void close() {
        loop.run(() -> session.close());
    }

    /** Completes once the client has closed. */
    @Override
    public CompletableFuture<Void> closeFuture() {
        return session.closedFuture();
    }

    private CompletableFuture<Void> done(Op op) {
        return submit(op).thenApply(r -> null);
    }

    private CompletableFuture<Object> submit(Op op) {
        try {
            if (loop.inLoop()) {
                session.submit(op);
            } else {
                loop.execute(() -> session.submit(op));
            }
        } catch (RejectedExecutionException e) {
            op.fail(new NbdConnectionClosedException("NBD client has closed", e));
        }
        return op.future();
    }

    private <T> CompletableFuture<T> onLoop(Supplier<T> action) {
        CompletableFuture<T> out = new CompletableFuture<>();
        loop.run(() -> out.complete(action.get()));
        return out;
    }

    /** Settings beyond {@link NbdClientConfig}: the owner's ports and listeners. */
    public static final class Builder {
        private final NbdClientConfig config;
        private UnflushedWritesHandler unflushedWrites;
        private ReconnectCheck reconnectCheck = ReconnectCheck.NONE;
        private long replayLimit = DEFAULT_REPLAY_LIMIT;
        private final List<LinkListener> listeners = new ArrayList<>();

        private Builder(NbdClientConfig config) {
            this.config = config;
        }

        /** The handler that may rewrite writes lost by a reconnect (default none: such a FLUSH fails). */
        public Builder unflushedWrites(UnflushedWritesHandler handler) {
            this.unflushedWrites = handler;
            return this;
        }

        /**
         * Bytes of writes acknowledged since the last FLUSH kept to replay after a reconnect (default
         * {@link #DEFAULT_REPLAY_LIMIT}; 0: none, a FLUSH after a reconnect over such writes then fails).
         */
        public Builder replayLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("replay limit must not be negative, got " + bytes);
            }
            this.replayLimit = bytes;
            return this;
        }

        /** An identity check of every new connection before the link goes UP again. */
        public Builder reconnectCheck(ReconnectCheck check) {
            this.reconnectCheck = check;
            return this;
        }

        /** A state listener registered before the first connection. */
        public Builder listener(LinkListener listener) {
            this.listeners.add(listener);
            return this;
        }

        /**
         * Connects (the first connection is not retried: its failure fails the future). All connections share one
         * event loop: {@code config}'s group's next one, or a private one-thread group shut down on close.
         */
        public CompletableFuture<ResilientNbdClient> connect() {
            boolean own = config.eventLoopGroup() == null;
            IoEventLoopGroup group = own
                    ? new MultiThreadIoEventLoopGroup(1, config.transport().ioHandlerFactory())
                    : config.eventLoopGroup();
            IoEventLoop loop = group.next();
            NbdClientConfig perConnection = config.withEventLoopGroup(loop);
            Connector connector = () -> NbdClient.connect(perConnection).thenApply(NbdClientConnection::new);
            Runnable release = own ? () -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS) : () -> { };
            return open(new NettyLoop(loop), connector, config, this, MAX_TRACKED_RANGES, release);
        }
    }
}
