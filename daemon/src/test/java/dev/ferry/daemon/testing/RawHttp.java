package dev.ferry.daemon.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Sends raw bytes over a Unix socket and reads until the server closes: for malformed, pipelined and split requests.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * Writes the parts of a request one after another, {@code pause} apart (so that the server reads them apart), and
     * returns everything the server sends until it closes (end the request with Connection: close).
     */
    public static String exchange(Path socket, Duration pause, String... parts) throws IOException,
            InterruptedException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    Thread.sleep(pause.toMillis());
                }
                ByteBuffer out = ByteBuffer.wrap(parts[i].getBytes(StandardCharsets.ISO_8859_1));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) {
                in.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return in.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Writes {@code request} at once and returns everything the server sends until it closes. */
    public static String exchange(Path socket, String request) throws IOException {
        try {
            return exchange(socket, Duration.ZERO, request);
        } catch (InterruptedException impossible) {   // one part: no pause
            throw new IllegalStateException(impossible);
        }
    }
}
