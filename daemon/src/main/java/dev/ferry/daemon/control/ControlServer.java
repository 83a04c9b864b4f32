package dev.ferry.daemon.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's HTTP/1.1 server on its endpoints (Unix sockets published 0600, or 0660 with a control group,
 * whose peers {@link ControlPeers} judges; loopback TCP ports, whose clients present a {@link ControlToken}),
 * with one event-loop thread, one "control" thread for operations and a two-thread system pool.
 *
 * <p>States in {@link State}. A start that fails closes whatever it had opened and leaves the server STOPPED.
 */
public final class ControlServer {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    /** Default bound on a request body; larger bodies are answered 413 {@code REQUEST_TOO_LARGE}. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    private static final int QUEUE_CAPACITY = 256;

    /**
     * The life cycle of a {@link ControlServer} (which owns the transitions).
     *
     * <pre>
     * NEW ──start──► RUNNING ──stop (drains requests in flight), or the start failed──► STOPPED
     *  │                                                                                   ▲
     *  └──stop before start────────────────────────────────────────────────────────────────┘
     * </pre>
     *
     * <p>No STOPPING: {@link #stop} drains while holding the server's lock, so no caller can see the server
     * between RUNNING and STOPPED (the daemon's own STOPPING, in which operations get 503, is
     * {@code DaemonState}'s). A second stop is a no-op.
     */
    public enum State {
        /** Built; nothing bound. */
        NEW,
        /** Binding (inside {@link #start}), then serving. */
        RUNNING,
        /** Terminal: listeners, socket files, connections and threads closed. */
        STOPPED;

        /** The states this state may move to. */
        public Set<State> successors() {
            return switch (this) {
                case NEW -> EnumSet.of(RUNNING, STOPPED);
                case RUNNING -> EnumSet.of(STOPPED);
                case STOPPED -> EnumSet.noneOf(State.class);
            };
        }

        /** Throws {@link IllegalStateException} naming both states unless {@code next} is a successor. */
        public void checkTransition(State next) {
            if (!successors().contains(next)) {
                throw new IllegalStateException("control server cannot go from " + this + " to " + next);
            }
        }
    }

    private final List<ControlEndpoint> endpoints;
    private final ControlRouter router;
    private final ControlGate gate;
    private final ControlTransport transport;
    private final int maxBodyBytes;
    private final ControlToken tcpToken;
    private final ControlPeers peers;
    private final ObjectMapper json = ControlJson.newMapper();
    private final InFlightRequests inFlight = new InFlightRequests();
    private final List<Channel> listeners = new ArrayList<>();
    private final List<ControlSocketFile> socketFiles = new ArrayList<>();
    private State state = State.NEW;
    private EventLoopGroup group;
    private ChannelGroup connections;
    private ThreadPoolExecutor operations;
    private ThreadPoolExecutor system;

    /** A server on Unix sockets only (a TCP endpoint needs a token: see the other constructor). */
    public ControlServer(List<ControlEndpoint> endpoints, ControlRouter router, ControlGate gate,
                         ControlTransport transport, int maxBodyBytes) {
        this(endpoints, router, gate, transport, maxBodyBytes, null);
    }

    /** A server whose Unix sockets admit root and this process's user only. */
    public ControlServer(List<ControlEndpoint> endpoints, ControlRouter router, ControlGate gate,
                         ControlTransport transport, int maxBodyBytes, ControlToken tcpToken) {
        this(endpoints, router, gate, transport, maxBodyBytes, tcpToken, ControlPeers.forThisProcess(Optional.empty()));
    }

    /**
     * @param endpoints    where to listen (at least one)
     * @param router       routes to serve
     * @param gate         decides whether operation routes are answered
     * @param transport    epoll or NIO, see {@link ControlTransport#detect()}
     * @param maxBodyBytes the largest accepted request body
     * @param tcpToken     what clients over loopback TCP must present (required when a TCP endpoint is given)
     * @param peers        who may use the Unix sockets (published 0660 with the control group when it has one)
     */
    public ControlServer(List<ControlEndpoint> endpoints, ControlRouter router, ControlGate gate,
                         ControlTransport transport, int maxBodyBytes, ControlToken tcpToken, ControlPeers peers) {
        this.peers = Objects.requireNonNull(peers, "peers");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("the control server needs at least one endpoint");
        }
        if (tcpToken == null && endpoints.stream().anyMatch(ControlEndpoint.LoopbackTcp.class::isInstance)) {
            throw new IllegalArgumentException("a loopback TCP control endpoint needs a token");
        }
        this.tcpToken = tcpToken;
        this.endpoints = List.copyOf(endpoints);
        this.router = Objects.requireNonNull(router, "router");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.transport = Objects.requireNonNull(transport, "transport");
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes < 0: " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Binds every endpoint; returns once all accept connections.
     *
     * @throws ControlEndpointInUseException when another daemon listens on a socket path
     * @throws Exception                     when binding fails (address in use, no such directory, ...)
     */
    public synchronized void start() throws Exception {
        transition(State.RUNNING);
        try {
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ferry-control-io", true),
                transport.ioHandlerFactory());
            connections = new DefaultChannelGroup("ferry-control", GlobalEventExecutor.INSTANCE);
            operations = executor("ferry-control", 1);
            system = executor("ferry-control-system", 2);
            ControlHttpHandler handler = new ControlHttpHandler(router, gate, operations, system, json, inFlight,
                tcpToken, peers);
            for (ControlEndpoint endpoint : endpoints) {
                bind(endpoint, handler);
            }
        } catch (Exception | Error e) { // an Error: Netty reports a missing native transport as one
            transition(State.STOPPED);
            stopNow(Duration.ofSeconds(5));
            throw e;
        }
        LOG.info("control API listening on {} ({})", describeEndpoints(), transport);
    }

    private void bind(ControlEndpoint endpoint, ControlHttpHandler handler) throws Exception {
        if (endpoint instanceof ControlEndpoint.UnixSocket unix) {
            ServerBootstrap b = bootstrap(transport.unixServerChannel(), handler);
            socketFiles.add(ControlSocketFile.publish(unix.path(), peers.group().map(ControlPeers.Group::gid),
                path -> listeners.add(b.bind(transport.unixAddress(path)).sync().channel())));
        } else {
            ControlEndpoint.LoopbackTcp tcp = (ControlEndpoint.LoopbackTcp) endpoint;
            listeners.add(bootstrap(transport.tcpServerChannel(), handler).bind(tcp.address()).sync().channel());
        }
    }

    private ServerBootstrap bootstrap(Class<? extends ServerChannel> channel, ControlHttpHandler handler) {
        return new ServerBootstrap()
            .group(group)
            .channel(channel)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    connections.add(ch);
                    // Flow control sits between the codec and the aggregator: it hands on one HTTP object per
                    // read() and keeps pipelined ones queued, while the aggregator asks for more reads until its
                    // request is whole. Placed after the aggregator, it waited for a whole request before asking
                    // for the rest of one, and a body that came in a later read (about 2 KB, or sent apart from the
                    // headers) was never answered.
                    ch.pipeline().addLast(
                        new HttpServerCodec(),
                        new FlowControlHandler(),
                        new BoundedAggregator(maxBodyBytes, handler),
                        handler);
                }
            });
    }

    /** The bound Unix socket paths, in endpoint order. */
    public synchronized List<Path> unixSockets() {
        return socketFiles.stream().map(ControlSocketFile::path).toList();
    }

    /** The bound loopback TCP address (with the real port when 0 was asked for), if any. */
    public synchronized Optional<InetSocketAddress> tcpAddress() {
        return listeners.stream().map(Channel::localAddress)
            .filter(InetSocketAddress.class::isInstance).map(InetSocketAddress.class::cast).findFirst();
    }

    /** The event loop, for {@code NettyEventExecutorMetrics}; empty before start. */
    public synchronized List<EventExecutor> eventLoops() {
        List<EventExecutor> out = new ArrayList<>();
        if (group != null) {
            group.forEach(out::add);
        }
        return out;
    }

    /** The current state. */
    public synchronized State state() {
        return state;
    }

    /**
     * Stops accepting connections, removes the socket files, lets requests in flight finish (including
     * their answers) until {@code timeout}, then closes every connection and thread.
     *
     * @return true when every request in flight finished in time
     */
    public synchronized boolean stop(Duration timeout) throws InterruptedException {
        if (state == State.STOPPED) {
            return true;
        }
        transition(State.STOPPED);
        return stopNow(timeout);
    }

    /** Closes whatever was opened; the state is already STOPPED. */
    private boolean stopNow(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Channel listener : listeners) {
            listener.close().await(remainingMillis(deadline));
        }
        socketFiles.forEach(ControlSocketFile::remove);
        boolean drained = inFlight.awaitIdle(deadline);
        if (!drained) {
            LOG.warn("{} control request(s) still in flight at the stop deadline; closing their connections",
                inFlight.count());
        }
        if (connections != null) {
            connections.close().await(remainingMillis(deadline));
        }
        for (ExecutorService e : new ExecutorService[] {operations, system}) {
            if (e != null) {
                e.shutdown();
                if (!e.awaitTermination(remainingMillis(deadline), TimeUnit.MILLISECONDS)) {
                    e.shutdownNow();
                }
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, remainingMillis(deadline), TimeUnit.MILLISECONDS).await(remainingMillis(deadline));
        }
        LOG.info("control API on {} stopped", describeEndpoints());
        return drained;
    }

    private String describeEndpoints() {
        List<String> out = new ArrayList<>();
        for (Channel c : listeners) {
            SocketAddress a = c.localAddress();
            out.add(a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort() : null);
        }
        socketFiles.forEach(f -> out.add(f.path().toString()));
        out.removeIf(Objects::isNull);
        return String.join(", ", out);
    }

    private void transition(State to) {
        state.checkTransition(to);
        state = to;
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static ThreadPoolExecutor executor(String name, int threads) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY), new DefaultThreadFactory(name, true));
    }

    /** Aggregates bodies up to the limit and answers larger ones 413 {@code REQUEST_TOO_LARGE} in JSON. */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final int limit;
        private final ControlHttpHandler errors;

        BoundedAggregator(int limit, ControlHttpHandler errors) {
            super(limit);
            this.limit = limit;
            this.errors = errors;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = errors.error(new ControlException(ControlErrors.REQUEST_TOO_LARGE, 413,
                "request body exceeds the control API limit of " + limit + " bytes"));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(f -> ctx.close());
        }
    }
}
