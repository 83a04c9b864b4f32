package dev.ferry.daemon.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.control.ControlJson;
import dev.ferry.daemon.control.ControlToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A small blocking HTTP/1.1 client of the control API over a Unix domain socket or loopback TCP: one
 * request per connection ({@code Connection: close}), bounded by a timeout and by reply size limits.
 */
public final class ControlClient {
    /** Largest reply body accepted. */
    public static final int MAX_BODY_BYTES = 64 << 20;
    /** What an unreachable daemon's message suggests, in parentheses after the reason. */
    public static final String UNREACHABLE_HINT = "is `ferry daemon` running? One started with --data-dir DIR listens "
        + "on DIR/control.sock: set FERRY_CONTROL=DIR/control.sock or pass --control DIR/control.sock";
    /** Largest reply head (status line and headers) accepted. */
    public static final int MAX_HEAD_BYTES = 64 << 10;

    private final ControlEndpoint endpoint;
    private final Duration timeout;
    private final ControlToken token;

    /** A client of the daemon at {@code endpoint} that presents no token; every call must finish within {@code timeout}. */
    public ControlClient(ControlEndpoint endpoint, Duration timeout) {
        this(endpoint, timeout, null);
    }

    /**
     * A client of the daemon at {@code endpoint} presenting {@code token} (null: none; a TCP endpoint needs it);
     * every call must finish within {@code timeout}.
     */
    public ControlClient(ControlEndpoint endpoint, Duration timeout, ControlToken token) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.token = token;
        if (endpoint instanceof ControlEndpoint.LoopbackTcp tcp && tcp.port() == 0) {
            throw new IllegalArgumentException("control endpoint " + endpoint.describe() + " has port 0: give the daemon's port");
        }
    }

    /** The endpoint this client talks to. */
    public ControlEndpoint endpoint() {
        return endpoint;
    }

    /**
     * Calls {@code method target} with an optional JSON body and returns the JSON answer
     * ({@link MissingNode} for 204).
     *
     * @throws ControlCallException the daemon's error (name, status, message), or unreachable / protocol
     */
    public JsonNode call(String method, String target, Object jsonBody) throws ControlCallException {
        byte[] body;
        try {
            body = jsonBody == null ? null : Json.MAPPER.writeValueAsBytes(jsonBody);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not serializable: " + e.getMessage(), e);
        }
        HttpReply reply = exchange(method, target, body);
        if (reply.status() == 204 || reply.body().length == 0 && reply.status() / 100 == 2) {
            return MissingNode.getInstance();
        }
        JsonNode node = parse(reply);
        if (reply.status() / 100 == 2) {
            return node;
        }
        throw error(reply, node);
    }

    /**
     * Calls {@code GET target} for a text answer (e.g. a report with {@code reportformat=text}) and
     * returns it; error answers are JSON as for {@link #call}.
     */
    public String callText(String target) throws ControlCallException {
        HttpReply reply = exchange("GET", target, null);
        if (reply.status() / 100 == 2) {
            return new String(reply.body(), StandardCharsets.UTF_8);
        }
        throw error(reply, parse(reply));
    }

    private JsonNode parse(HttpReply reply) throws ControlCallException {
        try {
            return Json.MAPPER.readTree(reply.body());
        } catch (JsonProcessingException e) {
            throw ControlCallException.protocol("ferry daemon at " + endpoint.describe() + " answered " + reply.status()
                + " with a body that is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from a byte array failed", e);
        }
    }

    private ControlCallException error(HttpReply reply, JsonNode node) {
        JsonNode error = node.path("error");
        if (!error.path("name").isTextual() || !error.path("message").isTextual()) {
            return ControlCallException.protocol("ferry daemon at " + endpoint.describe() + " answered " + reply.status()
                + " without an error name and message", null);
        }
        return ControlCallException.daemonError(error.get("name").asText(), reply.status(), error.get("message").asText());
    }

    /** Sends one request and reads the whole answer. */
    public HttpReply exchange(String method, String target, byte[] body) throws ControlCallException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = open(); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            connect(channel, selector, deadline);
            write(channel, selector, request(method, target, body), deadline);
            return new ReplyReader(endpoint).read(channel, () -> await(selector, deadline, "waiting for the answer"));
        } catch (ControlCallException e) {
            throw e;
        } catch (IOException e) {
            throw ControlCallException.unreachable(unreachable(e), e);
        }
    }

    private SocketChannel open() throws IOException {
        return endpoint instanceof ControlEndpoint.UnixSocket ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
    }

    private void connect(SocketChannel channel, Selector selector, long deadline) throws IOException, ControlCallException {
        SocketAddress address = endpoint instanceof ControlEndpoint.UnixSocket u
            ? UnixDomainSocketAddress.of(u.path()) : ((ControlEndpoint.LoopbackTcp) endpoint).address();
        if (channel.connect(address)) {
            return;
        }
        SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
        while (!channel.finishConnect()) {
            await(selector, deadline, "connecting");
        }
        key.cancel();
        selector.selectNow();
    }

    private void write(SocketChannel channel, Selector selector, ByteBuffer request, long deadline)
        throws IOException, ControlCallException {
        SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
        while (request.hasRemaining()) {
            if (channel.write(request) == 0) {
                await(selector, deadline, "sending the request");
            }
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    /** Waits for the registered readiness until {@code deadline}. */
    private void await(Selector selector, long deadline, String what) throws IOException, ControlCallException {
        long millis = (deadline - System.nanoTime()) / 1_000_000;
        if (millis <= 0 || selector.select(millis) == 0 && System.nanoTime() - deadline >= 0) {
            throw ControlCallException.unreachable("timed out after " + timeout.toMillis() + " ms " + what
                + " at ferry daemon " + endpoint.describe(), null);
        }
        selector.selectedKeys().clear();
    }

    private ByteBuffer request(String method, String target, byte[] body) {
        StringBuilder head = new StringBuilder()
            .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
            .append("Host: localhost\r\n")
            .append("User-Agent: ferry-cli\r\n")
            .append("Accept: application/json\r\n")
            .append("Connection: close\r\n");
        if (token != null) {
            head.append("Authorization: ").append(token.authorization()).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.writeBytes(body);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    private String unreachable(IOException e) {
        String reason;
        if (e instanceof ConnectException) {
            reason = "connection refused";
        } else if (e.getMessage() != null && e.getMessage().contains("No such file")) {
            reason = "no such socket file";
        } else if (e.getMessage() != null) {
            reason = e.getMessage().toLowerCase(Locale.ROOT);
        } else {
            reason = e.getClass().getSimpleName();
        }
        return "cannot reach ferry daemon at " + endpoint.describe() + ": " + reason + " (" + UNREACHABLE_HINT + ")";
    }

    /** The JSON mapper, made on first use: a command whose answer is text never loads the JSON machinery. */
    private static final class Json {
        static final ObjectMapper MAPPER = ControlJson.newMapper();
    }
}
