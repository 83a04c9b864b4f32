package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.server.ServerTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.Mutations;
import dev.ferry.nbd.testing.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutated full sessions (handshake, negotiation, requests) against a real server:
 * every connection must end (the server never hangs on half a frame once the client hangs up), and
 * afterwards the server holds no connections or buffers and still serves a fresh client.
 */
class ServerFuzzTest extends ServerFixture {

    private static final int CASES = 300;

    @BeforeEach
    void start() throws InterruptedException {
        startServer(ConnectionLimits.DEFAULT);
    }

    @Test
    void survivesRandomAndMutatedSessions() throws Exception {
        long seed = Seeds.fixed(0xF022L);
        Random rnd = new Random(seed);
        for (int n = 0; n < CASES; n++) {
            byte[] input = rnd.nextInt(5) == 0 ? Mutations.random(rnd) : Mutations.mutate(rnd, validSession(rnd));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(20_000);
                try {
                    s.getOutputStream().write(input);
                    s.shutdownOutput();
                } catch (IOException closedEarly) {
                    // the server may legitimately close first (e.g. bad client flags)
                }
                assertThat(drainsToEof(s.getInputStream())).as("seed %d case %d: server ended the connection", seed, n)
                        .isTrue();
            }
        }
        await("all fuzz connections released (seed " + seed + ")",
                () -> server.connectionCount() == 0 && disk.attachedClients() == 0);
        await("read buffers released", () -> disk.unreleasedReadBytes() == 0);
        assertServerStillServes();
    }

    private static boolean drainsToEof(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        try {
            while (in.read(buf) >= 0) {
                // discard replies
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static byte[] validSession(Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES).array());
        boolean extended = rnd.nextBoolean();
        option(out, extended ? NBD_OPT_EXTENDED_HEADERS : NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        option(out, NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("disk", BASE_ALLOCATION));
        option(out, NBD_OPT_GO, RawClient.exportQuery("disk", NBD_INFO_BLOCK_SIZE));
        int requests = 1 + rnd.nextInt(8);
        for (int i = 0; i < requests; i++) {
            int type = rnd.nextInt(9);
            int length = rnd.nextInt(16384);
            ByteBuffer h = ByteBuffer.allocate(32).putInt(extended ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC)
                    .putShort((short) rnd.nextInt(16)).putShort((short) type).putLong(i)
                    .putLong(rnd.nextInt((int) SIZE));
            if (extended) {
                h.putLong(length);
            } else {
                h.putInt(length);
            }
            out.write(h.array(), 0, h.position());
            if (type == NBD_CMD_WRITE) {
                out.writeBytes(new byte[length]);
            }
        }
        return out.toByteArray();
    }

    private static void option(ByteArrayOutputStream out, int option, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(option).putInt(data.length).array());
        out.writeBytes(data);
    }
}
