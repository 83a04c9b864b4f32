package dev.ferry.daemon.cli.client;

import dev.ferry.daemon.control.ControlEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads one HTTP/1.1 answer with a {@code Content-Length} (or delimited by the end of the connection)
 * from a non-blocking channel, never buffering more than the client's limits.
 */
final class ReplyReader {
    private final ControlEndpoint endpoint;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private int headEnd = -1;
    private int status;
    private String contentType;
    private long contentLength = -1;

    ReplyReader(ControlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Waits until the channel is readable or fails with a timeout. */
    @FunctionalInterface
    interface Waiter {
        void await() throws IOException, ControlCallException;
    }

    HttpReply read(SocketChannel channel, Waiter waiter) throws IOException, ControlCallException {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (true) {
            buf.clear();
            int n = channel.read(buf);
            if (n < 0) {
                return finishAtEof();
            }
            if (n == 0) {
                waiter.await();
                continue;
            }
            received.write(buf.array(), 0, n);
            if (headEnd < 0) {
                parseHeadIfComplete();
            }
            if (headEnd >= 0 && contentLength >= 0 && received.size() - headEnd >= contentLength) {
                return reply();
            }
            if (received.size() - Math.max(headEnd, 0) > ControlClient.MAX_BODY_BYTES) {
                throw ControlCallException.protocol("ferry daemon at " + endpoint.describe()
                    + " sent more than " + ControlClient.MAX_BODY_BYTES + " bytes", null);
            }
        }
    }

    private HttpReply finishAtEof() throws ControlCallException {
        if (headEnd < 0) {
            parseHeadIfComplete();
        }
        if (headEnd < 0) {
            throw ControlCallException.unreachable("ferry daemon at " + endpoint.describe()
                + " closed the connection without answering", null);
        }
        if (contentLength >= 0 && received.size() - headEnd < contentLength) {
            throw ControlCallException.protocol("ferry daemon at " + endpoint.describe() + " closed the connection after "
                + (received.size() - headEnd) + " of " + contentLength + " body bytes", null);
        }
        return reply();
    }

    private HttpReply reply() {
        byte[] all = received.toByteArray();
        int length = contentLength >= 0 ? (int) contentLength : all.length - headEnd;
        byte[] body = new byte[length];
        System.arraycopy(all, headEnd, body, 0, length);
        return new HttpReply(status, contentType, body);
    }

    private void parseHeadIfComplete() throws ControlCallException {
        byte[] all = received.toByteArray();
        int end = indexOfBlankLine(all);
        if (end < 0) {
            if (all.length > ControlClient.MAX_HEAD_BYTES) {
                throw bad("an answer head longer than " + ControlClient.MAX_HEAD_BYTES + " bytes");
            }
            return;
        }
        String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw bad("a malformed status line '" + lines[0] + "'");
        }
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw bad("a malformed status line '" + lines[0] + "'");
        }
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw bad("a malformed header line '" + lines[i] + "'");
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    contentLength = -2;
                }
                if (contentLength < 0 || contentLength > ControlClient.MAX_BODY_BYTES) {
                    throw bad("an invalid or too large Content-Length '" + value + "'");
                }
            } else if (name.equals("content-type")) {
                contentType = value;
            } else if (name.equals("transfer-encoding")) {
                throw bad("Transfer-Encoding '" + value + "', which this client does not support");
            }
        }
        headEnd = end + 4;
    }

    private ControlCallException bad(String what) {
        return ControlCallException.protocol("ferry daemon at " + endpoint.describe() + " sent " + what, null);
    }

    private static int indexOfBlankLine(byte[] b) {
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
