package dev.ferry.daemon.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each aggregated HTTP request to its handler on the operation or system executor and writes the
 * JSON answer; one request per connection is in progress at a time (auto-read is off and the next
 * request is read only after the answer is written), so pipelined answers keep their order.
 */
@ChannelHandler.Sharable
final class ControlHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ControlHttpHandler.class);
    private static final AttributeKey<ControlPeers.Peer> PEER = AttributeKey.valueOf("ferry-control-peer");

    private final ControlRouter router;
    private final ControlGate gate;
    private final Executor operations;
    private final Executor system;
    private final ObjectMapper json;
    private final InFlightRequests inFlight;
    private final ControlToken tcpToken;
    private final ControlPeers peers;

    ControlHttpHandler(ControlRouter router, ControlGate gate, Executor operations, Executor system,
                       ObjectMapper json, InFlightRequests inFlight, ControlToken tcpToken, ControlPeers peers) {
        this.tcpToken = tcpToken;
        this.peers = peers;
        this.router = router;
        this.gate = gate;
        this.operations = operations;
        this.system = system;
        this.json = json;
        this.inFlight = inFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ControlPeers.Peer peer = peers.identify(ctx.channel());
        ctx.channel().attr(PEER).set(peer);
        peer.refusal().ifPresent(why -> LOG.warn("control connection from {} refused: {}", peer.description(), why));
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        inFlight.begin();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            send(ctx, false, error(new ControlException(ControlErrors.BAD_HTTP_REQUEST, 400,
                "malformed HTTP request: " + cause.getMessage())));
            return;
        }
        ControlPeers.Peer peer = ctx.channel().attr(PEER).get();
        if (peer.refusal().isPresent()) {
            send(ctx, false, error(new ControlException(ControlErrors.FORBIDDEN, 403, peer.refusal().get())));
            return;
        }
        boolean tcp = ctx.channel().remoteAddress() instanceof InetSocketAddress;
        if (tcp && !tcpToken.admits(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            LOG.warn("control request {} {} from {} refused: no valid token", request.method(), request.uri(),
                ctx.channel().remoteAddress());
            FullHttpResponse refused = error(new ControlException(ControlErrors.UNAUTHORIZED, 401,
                "the control API over TCP needs the header 'Authorization: Bearer TOKEN' with the token the daemon "
                    + "wrote to DATA_DIR/" + ControlToken.FILE_NAME + " (the CLI reads it from $" + ControlToken.ENV
                    + " or that file in the default data directory)"));
            refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            send(ctx, keepAlive, refused);
            return;
        }
        if (!HttpMethod.GET.equals(request.method())) {
            LOG.info("control request {} {} from {}", request.method(), request.uri(), peer.description());
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        ControlRouter.Match match;
        try {
            match = router.resolve(request.method(), uri.rawPath());
        } catch (ControlException e) {
            send(ctx, keepAlive, error(e));
            return;
        }
        ControlRequest controlRequest;
        try {
            controlRequest = new ControlRequest(request.method(), uri.path(), match.pathParams(), uri.parameters(),
                request.headers().copy(), ByteBufUtil.getBytes(request.content()), json);
        } catch (IllegalArgumentException badEscape) {
            send(ctx, keepAlive, error(new ControlException(ControlErrors.INVALID_ARGUMENT, 400,
                "the query string is not valid percent-encoding: " + badEscape.getMessage())));
            return;
        }
        boolean operation = match.route().dispatch() == ControlRouter.Dispatch.OPERATION;
        try {
            (operation ? operations : system).execute(() -> handle(ctx, keepAlive, match, controlRequest, operation));
        } catch (RejectedExecutionException e) {
            send(ctx, keepAlive, error(new ControlException(ControlErrors.CONTROL_BUSY, 503,
                "the control plane is busy or shutting down; retry later")));
        }
    }

    private void handle(ChannelHandlerContext ctx, boolean keepAlive, ControlRouter.Match match,
                        ControlRequest request, boolean operation) {
        try {
            if (operation) {
                gate.checkAcceptsOperations();
            }
            Object result = match.route().handler().handle(request);
            if (result instanceof CompletionStage<?> stage) {
                stage.whenComplete((value, failure) -> send(ctx, keepAlive,
                    failure == null ? success(value) : failure(match, failure)));
            } else {
                send(ctx, keepAlive, success(result));
            }
        } catch (Throwable t) {
            send(ctx, keepAlive, failure(match, t));
        }
    }

    private FullHttpResponse failure(ControlRouter.Match match, Throwable t) {
        ControlException mapped = router.translate(t).orElse(null);
        if (mapped == null) {
            LOG.error("control handler for {} {} failed", match.route().method(), match.route().pattern(), t);
            mapped = new ControlException(ControlErrors.INTERNAL_ERROR, 500,
                "internal error: " + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        return error(mapped);
    }

    private FullHttpResponse success(Object result) {
        if (result instanceof CompletionStage<?>) {
            throw new IllegalStateException("a CompletionStage completed with another CompletionStage");
        }
        try {
            if (result == null) {
                return response(HttpResponseStatus.NO_CONTENT, null, new byte[0]);
            }
            if (result instanceof ControlResponse r) {
                if (r.rawBody() != null) {
                    return response(HttpResponseStatus.valueOf(r.status()), r.contentType(), r.rawBody());
                }
                return r.jsonBody() == null
                    ? response(HttpResponseStatus.valueOf(r.status()), null, new byte[0])
                    : response(HttpResponseStatus.valueOf(r.status()), ControlResponse.JSON, json.writeValueAsBytes(r.jsonBody()));
            }
            return response(HttpResponseStatus.OK, ControlResponse.JSON, json.writeValueAsBytes(result));
        } catch (JsonProcessingException e) {
            LOG.error("cannot serialize control answer of type {}", result.getClass().getName(), e);
            return error(new ControlException(ControlErrors.INTERNAL_ERROR, 500,
                "internal error: cannot serialize answer: " + e.getOriginalMessage()));
        }
    }

    /** The HTTP answer for a refusal. */
    FullHttpResponse error(ControlException e) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(ControlJson.errorBody(e.errorName(), e.getMessage()));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException("a map of two strings must serialize", impossible);
        }
        FullHttpResponse response = response(HttpResponseStatus.valueOf(e.httpStatus()), ControlResponse.JSON, body);
        if (e instanceof ControlRouter.MethodNotAllowed m) {
            response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", m.allowed()));
        }
        return response;
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        HttpUtil.setContentLength(response, body.length);
        return response;
    }

    /** Writes {@code response}, then reads the next request (keep-alive) or closes the connection. */
    private void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            inFlight.end();
            if (keepAlive && f.isSuccess()) {
                f.channel().read();
            } else {
                f.channel().close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("control connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
