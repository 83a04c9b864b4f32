package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_INFO_BLOCK_SIZE;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_DESCRIPTION;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_NAME;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_ABORT;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_EXTENDED_HEADERS;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_INFO;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_LIST;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_SET_META_CONTEXT;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_STARTTLS;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_STRUCTURED_REPLY;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.ExportNameReply;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.codec.ServerGreeting;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.tls.TlsFailures;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the fixed-newstyle handshake as a state machine, one option at a time (the client never sends an
 * option before the final reply to the previous one).
 *
 * With TLS configured, STARTTLS comes first and the greeting's successors below follow once the TLS handshake is
 * done (or, TLS not required, after the server refused STARTTLS):
 * <pre>
 * AWAIT_GREETING --tls--> STARTTLS --(TLS handshake)--> as from AWAIT_GREETING below
 * AWAIT_GREETING --GO--> EXTENDED_HEADERS? --> STRUCTURED_REPLY? --> SET_META_CONTEXT? --> GO --> DONE
 *                                (ERR: falls back)   (ERR: simple)      (ERR: no contexts)    |
 *                                                                       GO ERR_UNSUP --> EXPORT_NAME --> DONE
 * AWAIT_GREETING --INFO--> INFO --> ABORT          AWAIT_GREETING --LIST--> LIST --> ABORT
 * any --error, protocol violation, close, timeout--> FAILED
 * </pre>
 *
 * On DONE it replaces the handshake codec with the transmission pipeline before the next byte is decoded.
 */
final class NegotiationHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(NegotiationHandler.class);
    /** Most NBD_REP_SERVER replies accepted for one LIST. */
    static final int MAX_LISTED_EXPORTS = 65536;
    private static final int[] INFOS = {NBD_INFO_NAME, NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE};

    /** What the connection is opened for. */
    enum Purpose {
        /** Enter transmission (NBD_OPT_GO, falling back to EXPORT_NAME). */
        GO,
        /** Query one export with NBD_OPT_INFO, then abort. */
        INFO,
        /** List exports with NBD_OPT_LIST, then abort. */
        LIST
    }

    /** Handshake steps; each option state waits for that option's final reply. */
    enum State {
        /** Connected; waiting for NBDMAGIC, IHAVEOPT and the handshake flags. */
        AWAIT_GREETING,
        /** NBD_OPT_STARTTLS sent; after its ACK, the TLS handshake (an error goes on in plain text unless required). */
        STARTTLS,
        /** NBD_OPT_EXTENDED_HEADERS sent; an error falls back to structured replies. */
        EXTENDED_HEADERS,
        /** NBD_OPT_STRUCTURED_REPLY sent; an error leaves simple replies. */
        STRUCTURED_REPLY,
        /** NBD_OPT_SET_META_CONTEXT sent; collecting context ids until ACK. */
        SET_META_CONTEXT,
        /** NBD_OPT_GO sent; collecting NBD_REP_INFO until ACK. */
        GO,
        /** GO was unsupported; NBD_OPT_EXPORT_NAME sent, waiting for size and flags. */
        EXPORT_NAME,
        /** NBD_OPT_INFO sent; collecting NBD_REP_INFO until ACK. */
        INFO,
        /** NBD_OPT_LIST sent; collecting NBD_REP_SERVER until ACK. */
        LIST,
        /** Result delivered; NBD_OPT_ABORT sent, closing on its ACK. */
        ABORT,
        /** Transmission pipeline installed (terminal). */
        DONE,
        /** Handshake failed and the channel is closing (terminal). */
        FAILED;

        /** The states this state may move to (every non-terminal state may also fail). */
        Set<State> successors() {
            return switch (this) {
                case AWAIT_GREETING -> EnumSet.of(STARTTLS, EXTENDED_HEADERS, STRUCTURED_REPLY, GO, INFO, LIST, FAILED);
                case STARTTLS -> EnumSet.of(EXTENDED_HEADERS, STRUCTURED_REPLY, GO, INFO, LIST, FAILED);
                case EXTENDED_HEADERS -> EnumSet.of(STRUCTURED_REPLY, SET_META_CONTEXT, GO, FAILED);
                case STRUCTURED_REPLY -> EnumSet.of(SET_META_CONTEXT, GO, FAILED);
                case SET_META_CONTEXT -> EnumSet.of(GO, FAILED);
                case GO -> EnumSet.of(EXPORT_NAME, DONE, FAILED);
                case EXPORT_NAME -> EnumSet.of(DONE, FAILED);
                case INFO, LIST -> EnumSet.of(ABORT, FAILED);
                case ABORT -> EnumSet.of(FAILED);
                case DONE, FAILED -> EnumSet.noneOf(State.class);
            };
        }

        /** True for DONE and FAILED. */
        boolean terminal() {
            return successors().isEmpty();
        }

        /**
         * Checks that this state may move to {@code next}.
         *
         * @throws IllegalStateException naming both states otherwise
         */
        void checkTransition(State next) {
            if (!successors().contains(next)) {
                throw new IllegalStateException("negotiation cannot move from " + this + " to " + next);
            }
        }
    }

    private final NbdClientConfig config;
    private final Purpose purpose;
    private final CompletableFuture<Negotiated> result = new CompletableFuture<>();
    private final HandshakeDecoder decoder;
    private State state = State.AWAIT_GREETING;
    private ChannelHandlerContext ctx;
    private boolean noZeroes;
    private ReplyFormat format = ReplyFormat.SIMPLE;
    private final Map<String, Integer> metaContexts = new LinkedHashMap<>();
    private final List<NbdExport> exports = new ArrayList<>();
    private String name;
    private String description = "";
    private long size = -1;
    private int transmissionFlags;
    private BlockSizeConstraints blockSize;

    NegotiationHandler(NbdClientConfig config, Purpose purpose, HandshakeDecoder decoder) {
        this.config = config;
        this.purpose = purpose;
        this.decoder = decoder;
        this.name = config.exportName();
    }

    /** Completes with the negotiated connection, or fails with the reason. */
    CompletableFuture<Negotiated> result() {
        return result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    /** Fails the handshake and closes the connection (used for the deadline). */
    void fail(Throwable cause) {
        if (!state.terminal()) {
            moveTo(State.FAILED);
            result.completeExceptionally(cause);
        }
        if (ctx != null) {
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (!(msg instanceof HandshakeReply || msg instanceof ServerGreeting || msg instanceof ExportNameReply)) {
            context.fireChannelRead(msg);
            return;
        }
        try {
            onReply(msg);
        } catch (NbdNegotiationException | NbdProtocolException e) {
            fail(e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // Under TLS 1.3 the server checks a client certificate after the client's handshake finished: its refusal
        // arrives as an alert while later options are under way.
        fail(state == State.STARTTLS || TlsFailures.fromTls(cause) ? tlsFailure(cause) : cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        String hint = state == State.EXPORT_NAME ? " (NBD_OPT_EXPORT_NAME: unknown export '" + name + "'?)" : "";
        fail(new NbdNegotiationException(0, "server closed the connection during " + state + hint));
        context.fireChannelInactive();
    }

    private void onReply(Object reply) {
        if (state == State.AWAIT_GREETING && reply instanceof ServerGreeting g) {
            onGreeting(g);
        } else if (state == State.EXPORT_NAME && reply instanceof ExportNameReply r) {
            size = r.exportSize();
            transmissionFlags = r.transmissionFlags();
            finishGo();
        } else if (reply instanceof HandshakeReply.OptionReply o && expectedOption() == o.option()) {
            onOptionReply(o);
        } else {
            throw new NbdNegotiationException(0, "unexpected " + reply + " in state " + state);
        }
    }

    private void onGreeting(ServerGreeting g) {
        if ((g.handshakeFlags() & NbdConstants.NBD_FLAG_FIXED_NEWSTYLE) == 0) {
            throw new NbdNegotiationException(0, "server does not speak fixed newstyle (handshake flags 0x"
                    + Integer.toHexString(g.handshakeFlags()) + ")");
        }
        noZeroes = (g.handshakeFlags() & NbdConstants.NBD_FLAG_NO_ZEROES) != 0;
        ctx.write(new ClientFlags(NbdConstants.NBD_FLAG_C_FIXED_NEWSTYLE
                | (noZeroes ? NbdConstants.NBD_FLAG_C_NO_ZEROES : 0)));
        if (config.tls() != null) {
            send(State.STARTTLS, new OptionRequest(NBD_OPT_STARTTLS));
        } else {
            afterGreeting();
        }
    }

    /** Puts TLS under the connection after the server's STARTTLS ACK, and goes on once its handshake is done. */
    private void startTls() {
        SslHandler ssl = config.tls().newHandler(ctx.alloc(), config.host(), config.port());
        ctx.pipeline().addFirst("nbd-tls", ssl);
        ssl.handshakeFuture().addListener(done -> {
            if (!done.isSuccess()) {
                fail(tlsFailure(done.cause()));
            } else if (state == State.STARTTLS) {
                LOG.debug("TLS {} with {}:{}", ssl.engine().getSession().getProtocol(), config.host(), config.port());
                afterGreeting();
            }
        });
    }

    /** The failed handshake, named by its deepest cause (e.g. the certificate path that does not validate). */
    private NbdNegotiationException tlsFailure(Throwable cause) {
        return new NbdNegotiationException("TLS handshake with " + config.host() + ":" + config.port() + " failed: "
                + TlsFailures.describe(cause), cause);
    }

    private void afterGreeting() {
        switch (purpose) {
            case LIST -> send(State.LIST, new OptionRequest(NBD_OPT_LIST));
            case INFO -> send(State.INFO, OptionRequest.infoOrGo(NBD_OPT_INFO, name, INFOS));
            case GO -> {
                if (config.extendedHeaders()) {
                    send(State.EXTENDED_HEADERS, new OptionRequest(NBD_OPT_EXTENDED_HEADERS));
                } else {
                    afterExtendedHeaders();
                }
            }
        }
    }

    private void afterExtendedHeaders() {
        if (format == ReplyFormat.SIMPLE && config.structuredReplies()) {
            send(State.STRUCTURED_REPLY, new OptionRequest(NBD_OPT_STRUCTURED_REPLY));
        } else {
            afterStructuredReply();
        }
    }

    private void afterStructuredReply() {
        if (format != ReplyFormat.SIMPLE && !config.metaContexts().isEmpty()) {
            send(State.SET_META_CONTEXT,
                    OptionRequest.metaContext(NBD_OPT_SET_META_CONTEXT, name, config.metaContexts()));
        } else {
            send(State.GO, OptionRequest.infoOrGo(NBD_OPT_GO, name, INFOS));
        }
    }

    private void onOptionReply(HandshakeReply.OptionReply reply) {
        if (reply instanceof HandshakeReply.Error e) {
            onError(e);
            return;
        }
        boolean ack = reply instanceof HandshakeReply.Ack;
        switch (state) {
            case STARTTLS -> {
                requireAck(reply, ack);
                startTls();
            }
            case EXTENDED_HEADERS, STRUCTURED_REPLY -> {
                requireAck(reply, ack);
                boolean ext = state == State.EXTENDED_HEADERS;
                format = ext ? ReplyFormat.EXTENDED : ReplyFormat.STRUCTURED;
                if (ext) {
                    afterExtendedHeaders();
                } else {
                    afterStructuredReply();
                }
            }
            case SET_META_CONTEXT -> {
                if (ack) {
                    send(State.GO, OptionRequest.infoOrGo(NBD_OPT_GO, name, INFOS));
                } else if (reply instanceof HandshakeReply.MetaContext m
                        && config.metaContexts().contains(m.name())
                        && new HashSet<>(metaContexts.values()).add(m.contextId())) {
                    metaContexts.put(m.name(), m.contextId());
                } else {
                    throw new NbdNegotiationException(0, "unexpected or duplicate " + reply
                            + " to NBD_OPT_SET_META_CONTEXT " + config.metaContexts());
                }
            }
            case GO, INFO -> {
                if (!ack) {
                    onInfo(reply);
                } else if (size < 0) {
                    throw new NbdNegotiationException(0, "server acknowledged " + state + " without NBD_INFO_EXPORT");
                } else if (state == State.GO) {
                    finishGo();
                } else {
                    abortAndComplete(new Negotiated(exportInfo(), format, Map.of(), List.of(), null));
                }
            }
            case LIST -> {
                if (ack) {
                    abortAndComplete(new Negotiated(null, format, Map.of(), List.copyOf(exports), null));
                } else if (reply instanceof HandshakeReply.Server s && exports.size() < MAX_LISTED_EXPORTS) {
                    exports.add(new NbdExport(s.name(), s.description()));
                } else {
                    throw new NbdNegotiationException(0, "unexpected " + reply + " to NBD_OPT_LIST (after "
                            + exports.size() + " exports)");
                }
            }
            case ABORT -> ctx.close();
            default -> throw new NbdNegotiationException(0, "unexpected " + reply + " in state " + state);
        }
    }

    private void onError(HandshakeReply.Error e) {
        String text = e.message().isEmpty() ? "" : " (" + e.message() + ")";
        switch (state) {
            case STARTTLS -> {
                if (config.tls().required()) {
                    throw new NbdNegotiationException(e.type(), "server refused STARTTLS" + text
                            + ", and TLS is required");
                }
                LOG.debug("server refused STARTTLS: {}; going on in plain text", NbdNames.replyType(e.type()));
                afterGreeting();
            }
            case EXTENDED_HEADERS -> {
                LOG.debug("server refused extended headers: {}", NbdNames.replyType(e.type()));
                afterExtendedHeaders();
            }
            case STRUCTURED_REPLY -> {
                LOG.debug("server refused structured replies: {}", NbdNames.replyType(e.type()));
                afterStructuredReply();
            }
            case SET_META_CONTEXT -> {
                LOG.debug("server refused meta contexts {}: {}", config.metaContexts(),
                        NbdNames.replyType(e.type()));
                metaContexts.clear();
                send(State.GO, OptionRequest.infoOrGo(NBD_OPT_GO, name, INFOS));
            }
            case GO -> {
                if (e.type() == NbdConstants.NBD_REP_ERR_UNSUP && format != ReplyFormat.EXTENDED) {
                    moveTo(State.EXPORT_NAME);
                    decoder.expectExportNameReply(noZeroes);
                    ctx.writeAndFlush(OptionRequest.exportName(name));
                } else {
                    throw new NbdNegotiationException(e.type(), "NBD_OPT_GO for export '" + name + "' refused" + text);
                }
            }
            case ABORT -> ctx.close();
            default -> throw new NbdNegotiationException(e.type(), "option in state " + state + " refused" + text);
        }
    }

    private void onInfo(HandshakeReply.OptionReply reply) {
        if (reply instanceof HandshakeReply.ExportInfo i) {
            size = i.size();
            transmissionFlags = i.transmissionFlags();
        } else if (reply instanceof HandshakeReply.NameInfo n) {
            name = n.name();
        } else if (reply instanceof HandshakeReply.DescriptionInfo d) {
            description = d.description();
        } else if (reply instanceof HandshakeReply.BlockSizeInfo b) {
            blockSize = toConstraints(b);
        } else if (!(reply instanceof HandshakeReply.UnknownInfo)) {
            throw new NbdNegotiationException(0, "unexpected " + reply + " to " + state);
        }
    }

    private static BlockSizeConstraints toConstraints(HandshakeReply.BlockSizeInfo b) {
        try {
            return new BlockSizeConstraints((int) Math.min(b.minimum(), Integer.MAX_VALUE),
                    (int) Math.min(b.preferred(), Integer.MAX_VALUE),
                    (int) Math.min(b.maxPayload(), Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw new NbdNegotiationException(0, "server sent invalid NBD_INFO_BLOCK_SIZE " + b + ": "
                    + e.getMessage());
        }
    }

    private void requireAck(HandshakeReply.OptionReply reply, boolean ack) {
        if (!ack) {
            throw new NbdNegotiationException(0, "unexpected " + reply + " in state " + state);
        }
    }

    private int expectedOption() {
        return switch (state) {
            case STARTTLS -> NBD_OPT_STARTTLS;
            case EXTENDED_HEADERS -> NBD_OPT_EXTENDED_HEADERS;
            case STRUCTURED_REPLY -> NBD_OPT_STRUCTURED_REPLY;
            case SET_META_CONTEXT -> NBD_OPT_SET_META_CONTEXT;
            case GO -> NBD_OPT_GO;
            case INFO -> NBD_OPT_INFO;
            case LIST -> NBD_OPT_LIST;
            case ABORT -> NBD_OPT_ABORT;
            default -> -1;
        };
    }

    private NbdExportInfo exportInfo() {
        return new NbdExportInfo(name, description, size, transmissionFlags, blockSize);
    }

    private void send(State next, OptionRequest option) {
        moveTo(next);
        ctx.writeAndFlush(option);
    }

    private void abortAndComplete(Negotiated negotiated) {
        send(State.ABORT, new OptionRequest(NBD_OPT_ABORT));
        result.complete(negotiated);
    }

    /** Swaps the handshake codec for the transmission pipeline, then completes the result. */
    private void finishGo() {
        moveTo(State.DONE);
        TransmissionHandler transmission = new TransmissionHandler(config.maxInFlight(), config.maxQueued(),
                new HashSet<>(metaContexts.values()), format == ReplyFormat.EXTENDED);
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), "nbd-transmission", transmission);
        p.addBefore("nbd-transmission", "nbd-request-encoder",
                new NbdRequestEncoder(format == ReplyFormat.EXTENDED));
        p.addBefore("nbd-request-encoder", "nbd-reply-decoder", new ReplyDecoder(format, transmission::expected));
        p.remove(this);
        p.remove(OptionRequestEncoder.class);
        p.remove(decoder);
        result.complete(new Negotiated(exportInfo(), format, Map.copyOf(metaContexts), List.of(), transmission));
    }

    private void moveTo(State next) {
        state.checkTransition(next);
        state = next;
    }
}
