package dev.ferry.nbd.server;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.codec.PayloadBudget;
import dev.ferry.nbd.export.ExportCatalog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server (fixed newstyle, TLS by STARTTLS when configured) serving the exports of an {@link ExportCatalog} over
 * TCP, over a Unix socket it binds ({@link #startOnUnixSocket}), or over a listening TCP or Unix socket passed to the
 * process ({@link #startOn}); an {@link ExportAccess} decides which peer may open which export.
 *
 * <p>Lifecycle in {@link State}. {@link #close()} stops accepting, answers new requests with ESHUTDOWN, waits up
 * to the shutdown timeout for requests in flight, then closes every connection and the event loops.
 */
public final class NbdServer implements AutoCloseable {
    /**
     * Bytes of WRITE payloads received at once over all connections unless configured: 128 MiB (a connection receives
     * one payload at a time, so this is, say, 128 connections each mid-way through a 1 MiB WRITE).
     */
    public static final long DEFAULT_PAYLOAD_BUDGET = 128L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

    /**
     * The server's life cycle ({@link NbdServer} owns the transitions).
     *
     * <pre>
     * NEW ──start, startOn──► RUNNING ──close (drains requests in flight), or the bind failed──► STOPPED
     *  │                                                                                   ▲
     *  └──close before start───────────────────────────────────────────────────────────────┘
     * </pre>
     *
     * <p>No STOPPING: {@link #close()} drains while holding the server's lock, so no caller can see the server
     * between RUNNING and STOPPED; the connections learn of the drain from {@link ServerState#shuttingDown()}.
     * A second close is a no-op.
     */
    enum State {
        /** Built, not bound. */
        NEW,
        /** Bound (or binding, inside {@link #start()}); accepting connections. */
        RUNNING,
        /** Terminal: not accepting, every connection and event loop closed. */
        STOPPED;

        /** The states this state may move to. */
        Set<State> successors() {
            return switch (this) {
                case NEW -> EnumSet.of(RUNNING, STOPPED);
                case RUNNING -> EnumSet.of(STOPPED);
                case STOPPED -> EnumSet.noneOf(State.class);
            };
        }

        /** Throws {@link IllegalStateException} naming both states unless {@code next} is a successor. */
        void checkTransition(State next) {
            if (!successors().contains(next)) {
                throw new IllegalStateException("NBD server cannot go from " + this + " to " + next);
            }
        }
    }

    private final String host;
    private final int port;
    private final Transport transport;
    private final int ioThreads;
    private final WriteBufferWaterMark waterMark;
    private final Duration shutdownTimeout;
    private final PayloadBudget payloadBudget;
    private final Runnable ioThreadStart;
    private final ServerState serverState;
    private final ConnectionSetup setup;
    private State state = State.NEW;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    /** The Unix socket file bound by {@link #startOnUnixSocket}, removed at close; null otherwise. */
    private UnixSocketPath unixSocket;

    private NbdServer(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.transport = b.transport;
        this.ioThreads = b.ioThreads;
        this.waterMark = b.waterMark;
        this.shutdownTimeout = b.shutdownTimeout;
        this.payloadBudget = new PayloadBudget(b.payloadBudget);
        this.ioThreadStart = b.ioThreadStart;
        this.serverState = new ServerState(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), b.observer);
        this.setup = new ConnectionSetup(Objects.requireNonNull(b.catalog, "catalog"), b.tls, b.access, b.limits,
                serverState, b.handshakeTimeout, b.stallTimeout, payloadBudget);
    }

    /** A builder with defaults: 127.0.0.1, port 10809, AUTO transport, {@link ConnectionLimits#DEFAULT}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts serving; returns the bound address (useful with port 0). */
    public synchronized InetSocketAddress start() throws InterruptedException {
        return (InetSocketAddress) serve(null, null);
    }

    /**
     * Starts serving on a Unix socket bound at {@code path}; a stale socket file there (nothing accepting on it) is
     * replaced, and the file is removed at close. Connecting needs write permission on the file: it gets mode 0600
     * (the server's user only) with {@link ExportAccess#OPEN}, else 0666 (the access rules decide, by the peer's
     * uid and gid). Needs the epoll transport (AUTO picks it).
     *
     * @throws java.net.BindException                  when another server listens on {@code path}
     * @throws java.nio.file.FileAlreadyExistsException when {@code path} is a file other than a socket
     */
    public synchronized SocketAddress startOnUnixSocket(Path path) throws InterruptedException, java.io.IOException {
        requireEpoll("a Unix socket at " + path);
        UnixSocketPath file = UnixSocketPath.clear(path);
        SocketAddress bound = serve(null, path);
        unixSocket = file;
        file.bound(PosixFilePermissions.fromString(setup.access() == ExportAccess.OPEN ? "rw-------" : "rw-rw-rw-"));
        return bound;
    }

    /**
     * Starts serving on a listening socket this process was handed instead of binding one; that needs the epoll
     * transport (AUTO picks it), since only it can adopt a descriptor. Returns the socket's local address.
     *
     * @throws IllegalStateException when the configured transport cannot adopt a descriptor
     */
    public synchronized SocketAddress startOn(InheritedListener listener) throws InterruptedException {
        Objects.requireNonNull(listener, "listener");
        requireEpoll("an " + listener.describe());
        return serve(listener, null);
    }

    private void requireEpoll(String what) {
        Transport adopting = transport == Transport.AUTO ? Transport.EPOLL : transport;
        if (adopting != Transport.EPOLL) {
            throw new IllegalStateException("serving " + what + " needs the epoll transport, not " + transport);
        }
        adopting.resolve();   // fails clearly where epoll is unavailable
    }

    /** Serves an inherited {@code listener}, a Unix socket bound at {@code unixPath}, or (both null) TCP. */
    private SocketAddress serve(InheritedListener listener, Path unixPath) throws InterruptedException {
        transition(State.RUNNING);
        try {
            serverChannel = bind(listener, unixPath);
        } catch (Throwable e) { // Netty rethrows the bind's checked exceptions (BindException) undeclared
            if (bossGroup != null) {
                bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            if (workerGroup != null) {
                workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            transition(State.STOPPED);
            throw e;
        }
        SocketAddress bound = serverChannel.localAddress();
        boolean tcp = listener == null && unixPath == null;
        LOG.info("NBD server listening on {} ({} transport)", listener == null ? bound : listener.describe(),
                tcp ? transport.resolve() : Transport.EPOLL);
        return bound;
    }

    private Channel bind(InheritedListener listener, Path unixPath) throws InterruptedException {
        boolean unixDomain = unixPath != null || listener != null && listener.unixDomain();
        Transport used = listener == null && unixPath == null ? transport : Transport.EPOLL;
        bossGroup = new MultiThreadIoEventLoopGroup(1, used.ioHandlerFactory());
        // named, and each runs the start hook first; daemon flag and priority as Netty's own event-loop threads
        ThreadFactory names = new DefaultThreadFactory("ferry-nbd-io", false, Thread.MAX_PRIORITY);
        workerGroup = new MultiThreadIoEventLoopGroup(ioThreads, (Runnable r) -> names.newThread(() -> {
            ioThreadStart.run();
            r.run();
        }), used.ioHandlerFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childHandler(setup.initializer());
        if (!unixDomain) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
        }
        if (unixPath != null) {
            return bootstrap.channel(EpollServerDomainSocketChannel.class).bind(new DomainSocketAddress(unixPath.toFile()))
                    .sync().channel();
        }
        if (listener == null) {
            return bootstrap.channel(transport.serverChannelClass()).option(ChannelOption.SO_REUSEADDR, true)
                    .bind(host, port).sync().channel();
        }
        int fd = listener.fd();
        // The descriptor listens already (the caller checked): active from the start, so accepting begins at register.
        return bootstrap.channelFactory(() -> listener.unixDomain() ? new EpollServerDomainSocketChannel(fd, true)
                : new EpollServerSocketChannel(fd)).register().sync().channel();
    }

    /** The bound TCP address; only while running on TCP. */
    public synchronized InetSocketAddress localAddress() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("server is " + state + ", expected " + State.RUNNING);
        }
        if (!(serverChannel.localAddress() instanceof InetSocketAddress address)) {
            throw new IllegalStateException("server listens on " + serverChannel.localAddress() + ", not TCP");
        }
        return address;
    }

    /** The bound port; only while running. */
    public int port() {
        return localAddress().getPort();
    }

    /** Bytes of WRITE payloads being received now, reserved in the payload budget. */
    public long payloadBytesReserved() {
        return payloadBudget.reserved();
    }

    /** WRITE payloads waiting, unread, for room in the payload budget. */
    public int payloadsWaiting() {
        return payloadBudget.waiting();
    }

    /** Connections currently open (handshake or transmission). */
    public int connectionCount() {
        return serverState.channels.size();
    }

    /**
     * Stops gracefully: no new connections, ESHUTDOWN for new requests, in-flight requests get up to
     * the shutdown timeout to finish, then everything is closed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.STOPPED) {
            return;
        }
        State was = state;
        transition(State.STOPPED);
        if (was == State.NEW) {
            return;
        }
        serverState.beginShutdown();
        serverChannel.close().awaitUninterruptibly();
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (TransmissionHandler t : serverState.transmissions) {
            drains.add(t.drain());
        }
        try {
            CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                    .get(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("NBD server shutdown: requests still in flight after {}; closing anyway", shutdownTimeout);
        } catch (ExecutionException e) {
            LOG.warn("NBD server shutdown: draining failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        serverState.channels.close().awaitUninterruptibly();
        long quietMs = 0;
        long timeoutMs = shutdownTimeout.toMillis();
        workerGroup.shutdownGracefully(quietMs, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        bossGroup.shutdownGracefully(quietMs, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        if (unixSocket != null) {
            unixSocket.remove();
        }
        LOG.info("NBD server stopped");
    }

    /** The current state. */
    synchronized State state() {
        return state;
    }

    private void transition(State to) {
        state.checkTransition(to);
        state = to;
    }

    /** Configures an {@link NbdServer}. */
    public static final class Builder {
        private ExportCatalog catalog;
        private String host = "127.0.0.1";
        private int port = dev.ferry.nbd.NbdConstants.NBD_DEFAULT_PORT;
        private Transport transport = Transport.AUTO;
        private ConnectionLimits limits = ConnectionLimits.DEFAULT;
        private int ioThreads = 0;
        private WriteBufferWaterMark waterMark = new WriteBufferWaterMark(4 * 1024 * 1024, 16 * 1024 * 1024);
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private Duration stallTimeout = Duration.ofSeconds(30);
        private long payloadBudget = DEFAULT_PAYLOAD_BUDGET;
        private TlsSettings tls = TlsSettings.OFF;
        private NbdTrafficObserver observer = NbdTrafficObserver.NONE;
        private Runnable ioThreadStart = () -> { };
        private ExportAccess access = ExportAccess.OPEN;

        private Builder() {
        }

        /** Who may open which export, and how (default {@link ExportAccess#OPEN}: everyone, read-write). */
        public Builder access(ExportAccess access) {
            this.access = Objects.requireNonNull(access);
            return this;
        }

        /** TLS: off (the default), on for clients that ask with STARTTLS, or required of every client. */
        public Builder tls(TlsSettings tls) {
            this.tls = Objects.requireNonNull(tls);
            return this;
        }

        /** Who hears of each connection and request in transmission, e.g. for metrics (default: nobody). */
        public Builder observer(NbdTrafficObserver observer) {
            this.observer = Objects.requireNonNull(observer);
            return this;
        }

        /** The exports to serve (required). */
        public Builder catalog(ExportCatalog catalog) {
            this.catalog = Objects.requireNonNull(catalog);
            return this;
        }

        /** The address to bind (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** The port to bind; 0 picks a free one (default 10809). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** The transport (default AUTO). */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport);
            return this;
        }

        /** Per-connection flow-control limits (default 64 requests, 64 MiB). */
        public Builder limits(ConnectionLimits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        /** Number of I/O threads; 0 means Netty's default (twice the cores). */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads must be >= 0: " + ioThreads);
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** Outbound buffer water marks of each connection (default 4 MiB / 16 MiB). */
        public Builder writeBufferWaterMark(int low, int high) {
            this.waterMark = new WriteBufferWaterMark(low, high);
            return this;
        }

        /** How long {@link NbdServer#close()} waits for requests in flight (default 10 s). */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * How long a client may take from connecting to entering transmission (default 30 s); a client that
         * sends nothing, or trickles its options, is dropped when it expires.
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshake timeout must be positive: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * How many bytes of WRITE payloads the server receives at once over all connections (default
         * {@value NbdServer#DEFAULT_PAYLOAD_BUDGET}): a payload is read only once its whole length fits, so clients
         * that stop halfway through payloads hold at most this much memory (and only until the stall timeout).
         */
        public Builder payloadBudget(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("payload budget must be positive: " + bytes);
            }
            this.payloadBudget = bytes;
            return this;
        }

        /**
         * How long a client in transmission may stop in the middle of a request (part of a header or of a WRITE
         * payload sent, the server waiting for the rest) before it is dropped (default 30 s); a client idle between
         * requests is never dropped.
         */
        public Builder stallTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("stall timeout must be positive: " + timeout);
            }
            this.stallTimeout = timeout;
            return this;
        }

        /**
         * Runs first on each I/O (event loop) thread the server starts, on that thread: the daemon marks them as I/O
         * flushers there (default: nothing).
         */
        public Builder ioThreadStart(Runnable hook) {
            this.ioThreadStart = Objects.requireNonNull(hook);
            return this;
        }

        /** Creates the (not yet started) server. */
        public NbdServer build() {
            return new NbdServer(this);
        }
    }
}
