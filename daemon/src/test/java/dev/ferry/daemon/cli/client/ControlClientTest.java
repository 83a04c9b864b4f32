package dev.ferry.daemon.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.cli.admin.ShutdownCommand;
import dev.ferry.daemon.cli.admin.VersionCommand;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.control.ControlEndpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client against real sockets that misbehave: nothing listening, silence, non-HTTP and oversized claims. */
class ControlClientTest {
    @TempDir
    Path dir;

    /** Accepts one connection on a Unix socket, reads the request head, answers {@code reply} raw and closes. */
    private CompletableFuture<Void> fakeDaemon(ServerSocketChannel server, String reply) {
        return CompletableFuture.runAsync(() -> {
            try (SocketChannel ch = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(8192);
                while (!new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    if (ch.read(in) < 0) {
                        return;
                    }
                }
                ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.ISO_8859_1));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private ServerSocketChannel listen(Path socket) throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    private static ControlCallException failure(ControlClient client) {
        try {
            client.call("GET", "/v1/version", null);
        } catch (ControlCallException e) {
            return e;
        }
        throw new AssertionError("call succeeded");
    }

    @Test
    void aClosedTcpPortIsUnreachableWithExitFive() throws Exception {
        int port;
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
        ControlCallException e = failure(new ControlClient(ControlEndpoint.parse("127.0.0.1:" + port), Duration.ofSeconds(10)));
        assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(e.errorName()).isEqualTo("DAEMON_UNREACHABLE");
        assertThat(e.getMessage()).isEqualTo("cannot reach ferry daemon at 127.0.0.1:" + port
            + ": connection refused (" + ControlClient.UNREACHABLE_HINT + ")");
    }

    @Test
    void aSilentDaemonTimesOut() throws Exception {
        Path socket = dir.resolve("silent.sock");
        ServerSocketChannel server = listen(socket);
        try {
            ControlCallException e = failure(new ControlClient(new ControlEndpoint.UnixSocket(socket), Duration.ofMillis(300)));
            assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(e.getMessage()).isEqualTo("timed out after 300 ms waiting for the answer at ferry daemon " + socket);
        } finally {
            server.close();
        }
    }

    @Test
    void answersThatAreNotHttpOrNotJsonAreProtocolErrorsWithExitSix() throws Exception {
        Map<String, String> cases = Map.of(
            "SSH-2.0-OpenSSH_9.2\r\n\r\n", "sent a malformed status line 'SSH-2.0-OpenSSH_9.2'",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "answered 200 with a body that is not JSON",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", "sent an invalid or too large Content-Length '99999999999'",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "sent Transfer-Encoding 'chunked', which this client does not support",
            "HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}", "answered 500 without an error name and message",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "closed the connection after 2 of 10 body bytes");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path socket = dir.resolve("fake" + i++ + ".sock");
            try (ServerSocketChannel server = listen(socket)) {
                CompletableFuture<Void> fake = fakeDaemon(server, c.getKey());
                ControlCallException e = failure(new ControlClient(new ControlEndpoint.UnixSocket(socket), Duration.ofSeconds(10)));
                fake.get(10, TimeUnit.SECONDS);
                assertThat(e.exitCode()).as(c.getKey()).isEqualTo(ExitCodes.PROTOCOL);
                assertThat(e.getMessage()).as(c.getKey()).startsWith("ferry daemon at " + socket + " " + c.getValue());
            }
        }
    }

    @Test
    void aDaemonClosingWithoutAnswerIsUnreachable() throws Exception {
        Path socket = dir.resolve("rude.sock");
        try (ServerSocketChannel server = listen(socket)) {
            CompletableFuture<Void> fake = fakeDaemon(server, "");
            ControlCallException e = failure(new ControlClient(new ControlEndpoint.UnixSocket(socket), Duration.ofSeconds(10)));
            fake.get(10, TimeUnit.SECONDS);
            assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(e.getMessage()).isEqualTo("ferry daemon at " + socket + " closed the connection without answering");
        }
    }

    @Test
    void theEndpointComesFromTheOptionThenTheEnvironmentThenTheDefaultDataDirectory() {
        ControlClientOptions options = new ControlClientOptions();
        Path defaultDir = Path.of("/var/lib/ferry");
        assertThat(options.endpoint(Map.of(), defaultDir)).isEqualTo(new ControlEndpoint.UnixSocket(Path.of("/var/lib/ferry/control.sock")));
        assertThat(options.endpoint(Map.of("FERRY_CONTROL", "127.0.0.1:7000"), defaultDir).describe()).isEqualTo("127.0.0.1:7000");
        options.control = "/run/f.sock";
        assertThat(options.endpoint(Map.of("FERRY_CONTROL", "127.0.0.1:7000"), defaultDir).describe()).isEqualTo("/run/f.sock");
        options.control = null;
        assertThatThrownBy(() -> options.endpoint(Map.of("FERRY_CONTROL", "10.0.0.1:7000"), defaultDir))
            .hasMessageStartingWith("$FERRY_CONTROL: control endpoint 10.0.0.1:7000 is not a loopback address");
    }

    @Test
    void thinCommandsMapBadOptionsToExitTwoAndPrintErrorJsonWhenAsked() throws Exception {
        Path missing = dir.resolve("none.sock");
        String[] out = new String[2];
        int exit = run(new VersionCommand(), out, "--control", "0.0.0.0:7000");
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(out[1]).startsWith("version: --control: control endpoint 0.0.0.0:7000 is not a loopback address");
        exit = run(new ShutdownCommand(), out, "--control", missing.toString(), "--reportformat", "xml");
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(out[1]).isEqualTo("shutdown: --reportformat must be basic or json, got 'xml'" + System.lineSeparator());
        exit = run(new ShutdownCommand(), out, "--control", missing.toString(), "--timeout", "forever");
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(out[1]).contains("expected a positive duration such as 500ms, 30s or 2m, got 'forever'");
        exit = run(new ShutdownCommand(), out, "--control", missing.toString(), "--reportformat", "json");
        assertThat(exit).isEqualTo(ExitCodes.UNREACHABLE);
        JsonNode error = new ObjectMapper().readTree(out[0]);
        assertThat(error.at("/error/name").asText()).isEqualTo("DAEMON_UNREACHABLE");
        assertThat(error.at("/error/message").asText()).isEqualTo("cannot reach ferry daemon at " + missing
            + ": no such socket file (" + ControlClient.UNREACHABLE_HINT + ")");
    }

    private static int run(Object command, String[] outErr, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        outErr[0] = out.toString();
        outErr[1] = err.toString();
        return exit;
    }
}
