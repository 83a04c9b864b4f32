package dev.ferry.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of the class-data sharing archive that {@code scripts/ferry} makes once per build of the jar for
 * the thin-client commands: runs report commands against a stand-in control socket in this process that answers
 * every request with a canned report (text, or JSON when asked), then one against a socket that is not there, so the
 * list of classes covers a command's whole path, answer and failure alike, and no daemon is needed. Prints what the
 * commands print; exits 1 if a command did not end as expected.
 */
public final class CdsTraining {
    private static final String TEXT = "  VG  #PV #LV #SN Attr   VSize   VFree  \n  vg0   2   1   0 wz--n- 120.00m 112.00m\n";
    private static final String JSON = "{\"report\":[{\"vg\":[{\"vg_name\":\"vg0\",\"pv_count\":\"2\"}]}]}";

    private CdsTraining() {
    }

    /** Runs the training commands; the exit status is 0 when each ended as expected. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("ferry-cds-training");
        Path socket = dir.resolve("control.sock");
        boolean asExpected;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread answering = new Thread(() -> answerAll(server), "cds-training-control");
            answering.setDaemon(true);
            answering.start();
            String control = socket.toString();
            asExpected = Main.run("vgs", "--control", control) == 0
                & Main.run("lvs", "-a", "-o", "+devices", "--units", "m", "--control", control) == 0
                & Main.run("pvs", "--reportformat", "json", "--control", control) == 0
                & Main.run("vgs", "--control", dir.resolve("absent.sock").toString()) != 0;
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
        System.exit(asExpected ? 0 : 1);
    }

    /** Answers each connection's request with the canned report, until the server socket closes. */
    private static void answerAll(ServerSocketChannel server) {
        while (true) {
            try (SocketChannel connection = server.accept()) {
                String head = readHead(connection);
                String body = head.contains("reportformat=json") ? JSON : TEXT;
                String type = head.contains("reportformat=json") ? "application/json" : "text/plain; charset=utf-8";
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                String reply = "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n";
                connection.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.US_ASCII)));
                connection.write(ByteBuffer.wrap(bytes));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Reads until the blank line that ends a request head (training requests have no body). */
    private static String readHead(SocketChannel connection) throws IOException {
        StringBuilder head = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (head.indexOf("\r\n\r\n") < 0 && connection.read(buf) >= 0) {
            buf.flip();
            head.append(StandardCharsets.ISO_8859_1.decode(buf));
            buf.clear();
        }
        return head.toString();
    }
}
