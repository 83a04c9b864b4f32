package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.resilient.ByteRange;
import dev.ferry.nbd.client.resilient.LinkState;
import dev.ferry.nbd.client.resilient.NbdLostWritesException;
import dev.ferry.nbd.client.resilient.NbdTimeoutException;
import dev.ferry.nbd.client.resilient.ResilientNbdClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResilientNbdClient} against real nbdkit processes on 127.0.0.1: {@code kill -9} and a restart on the same
 * port (requests wait and resume; the writes acknowledged and not flushed before it, gone from the file meanwhile,
 * are replayed first, so the FLUSH after it covers them; without the journal that FLUSH is refused), SIGSTOP
 * (a hung server: the request deadline and the idle heartbeat find it within their deadline plus 1 s), the delay
 * filter beyond the deadline (timeout), the error filter (a server error is final, the link stays UP), a restart
 * as a smaller export or without FUA (FAILED, naming the difference), and TCP_USER_TIMEOUT on an epoll socket.
 */
class ResilientNbdkitTest {

    private static final int CHUNK = 65536;

    @TempDir
    Path dir;
    private final List<NbdkitServer> servers = new ArrayList<>();
    private final List<ResilientNbdClient> clients = new ArrayList<>();

    @BeforeAll
    static void nbdkitInstalled() {
        assumeTrue(NbdkitServer.available(), "nbdkit is not installed (scripts/install-tools.sh nbdkit)");
    }

    @AfterEach
    void stop() throws InterruptedException {
        clients.forEach(ResilientNbdClient::close);
        for (NbdkitServer s : servers) {
            s.close();
        }
    }

    private NbdkitServer start(String... args) throws Exception {
        NbdkitServer s = NbdkitServer.start(dir, args);
        servers.add(s);
        return s;
    }

    private ResilientNbdClient connect(NbdClientConfig.Builder config) throws Exception {
        ResilientNbdClient c = ResilientNbdClient.connect(config.build()).get(20, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code limit}. */
    private static void poll(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " did not happen within " + limit);
            }
            Thread.sleep(10);
        }
    }

    private static ByteBuf filled(int value) {
        byte[] b = new byte[CHUNK];
        Arrays.fill(b, (byte) value);
        return Unpooled.wrappedBuffer(b);
    }

    private static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** A 16 MiB file for {@code nbdkit file}. */
    private Path disk() throws IOException {
        Path disk = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        return disk;
    }

    /** Link settings for a server killed and started again within a 15 s window. */
    private static NbdClientConfig.Builder restartable(NbdkitServer server) {
        return server.config().connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(5))
                .heartbeatInterval(Duration.ofMillis(300)).reconnectWindow(Duration.ofSeconds(15));
    }

    @Test
    void killedAndRestartedServerResumesRequestsAndReplaysTheWritesItMayHaveLostBeforeTheFlush() throws Exception {
        Path disk = disk();
        NbdkitServer first = start("file", disk.toString());
        ResilientNbdClient client = connect(restartable(first));
        await(client.write(0, filled(1)));
        await(client.flush());
        await(client.write(1 << 20, filled(2)));
        first.kill();
        poll("RECONNECTING after kill -9", Duration.ofSeconds(5), () -> client.state() == LinkState.RECONNECTING);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(new byte[CHUNK]); // the unflushed write is gone, as from a server that lost its cache
        }
        CompletableFuture<ByteBuf> read = client.read(1 << 20, CHUNK);
        CompletableFuture<Void> write = client.write(2 << 20, filled(3));
        servers.add(NbdkitServer.startOn(dir, first.port(), "file", disk.toString()));

        assertThat(bytes(await(read))).as("replayed before anything else").containsOnly(2);
        await(write);
        assertThat(client.state()).isEqualTo(LinkState.UP);
        assertThat(client.health().reconnects()).isEqualTo(1);
        await(client.flush());
        assertThat(await(client.lostWrites())).isEmpty();
        byte[] onDisk = new byte[CHUNK];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.seek(1 << 20);
            f.readFully(onDisk);
        }
        assertThat(onDisk).containsOnly(2);
    }

    @Test
    void withoutTheJournalTheFlushCoveringAKilledServersRestartIsRefused() throws Exception {
        Path disk = disk();
        NbdkitServer first = start("file", disk.toString());
        ResilientNbdClient client = ResilientNbdClient.builder(restartable(first).build()).replayLimit(0).connect()
                .get(20, TimeUnit.SECONDS);
        clients.add(client);
        await(client.write(1 << 20, filled(2)));
        first.kill();
        poll("RECONNECTING after kill -9", Duration.ofSeconds(5), () -> client.state() == LinkState.RECONNECTING);
        servers.add(NbdkitServer.startOn(dir, first.port(), "file", disk.toString()));
        poll("UP again", Duration.ofSeconds(15), () -> client.state() == LinkState.UP);
        Throwable refused = failure(client.flush());
        assertThat(refused).isInstanceOf(NbdLostWritesException.class).hasMessageContaining("reconnect");
        assertThat(((NbdLostWritesException) refused).ranges()).containsExactly(new ByteRange(1 << 20, CHUNK));
        await(client.write(1 << 20, filled(2)));
        await(client.flush());
        assertThat(bytes(await(client.read(1 << 20, CHUNK)))).containsOnly(2);
    }

    @Test
    void aStoppedServerFailsTheRequestAtItsDeadlineAndTheLinkRecoversAfterSigcont() throws Exception {
        NbdkitServer s = start("memory", "16M");
        Duration timeout = Duration.ofSeconds(2);
        ResilientNbdClient client = connect(s.config().connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(timeout).heartbeatInterval(Duration.ZERO).reconnectWindow(Duration.ofSeconds(20)));
        await(client.write(0, filled(4)));
        s.stop();
        long start = System.nanoTime();
        Throwable e = failure(client.read(0, CHUNK));
        long took = System.nanoTime() - start;
        assertThat(e).isInstanceOf(NbdTimeoutException.class);
        assertThat(took).isBetween(timeout.toNanos(), timeout.plusSeconds(1).toNanos());
        assertThat(client.state()).isEqualTo(LinkState.RECONNECTING);
        s.resume();
        poll("UP after SIGCONT", Duration.ofSeconds(20), () -> client.state() == LinkState.UP);
        assertThat(bytes(await(client.read(0, CHUNK)))).containsOnly(4);
    }

    @Test
    void theHeartbeatFindsAStoppedServerOnAnIdleConnection() throws Exception {
        NbdkitServer s = start("memory", "16M");
        Duration timeout = Duration.ofSeconds(2);
        Duration interval = Duration.ofMillis(500);
        ResilientNbdClient client = connect(s.config().requestTimeout(timeout).heartbeatInterval(interval)
                .reconnectWindow(Duration.ofSeconds(20)));
        s.stop();
        long start = System.nanoTime();
        poll("a loss found by the heartbeat", Duration.ofSeconds(10), () -> client.health().losses() == 1);
        long took = System.nanoTime() - start;
        assertThat(client.health().lastFailure()).contains("heartbeat READ not answered");
        assertThat(took).isLessThanOrEqualTo(interval.plus(timeout).plusSeconds(1).toNanos());
        s.resume();
        poll("UP after SIGCONT", Duration.ofSeconds(20), () -> client.state() == LinkState.UP);
    }

    @Test
    void aWriteDelayedBeyondTheDeadlineTimesOut() throws Exception {
        NbdkitServer s = start("--filter=delay", "memory", "16M", "wdelay=5");
        Duration timeout = Duration.ofSeconds(1);
        ResilientNbdClient client = connect(s.config().requestTimeout(timeout)
                .heartbeatInterval(Duration.ofMillis(300)).reconnectWindow(Duration.ofSeconds(10)));
        long start = System.nanoTime();
        Throwable e = failure(client.write(0, filled(5)));
        long took = System.nanoTime() - start;
        assertThat(e).isInstanceOf(NbdTimeoutException.class).hasMessageContaining("NBD_CMD_WRITE [0, +65536)");
        assertThat(took).isBetween(timeout.toNanos(), timeout.plusSeconds(1).toNanos());
        poll("UP again", Duration.ofSeconds(10), () -> client.state() == LinkState.UP);
        assertThat(bytes(await(client.read(0, 512)))).hasSize(512);
    }

    @Test
    void aServerErrorIsFinalAndTheLinkStaysUp() throws Exception {
        NbdkitServer s = start("--filter=error", "memory", "16M", "error=EIO", "error-pwrite-rate=1");
        ResilientNbdClient client = connect(s.config());
        Throwable e = failure(client.write(0, filled(6)));
        assertThat(e).isInstanceOf(NbdErrorException.class);
        assertThat(((NbdErrorException) e).errno()).isEqualTo(NbdConstants.NBD_EIO);
        assertThat(client.state()).isEqualTo(LinkState.UP);
        assertThat(client.health().losses()).isZero();
        await(client.flush());
    }

    @Test
    void epollSocketsCarryTheUserTimeout() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no native epoll here: TCP_USER_TIMEOUT applies to epoll sockets only");
        NbdkitServer s = start("memory", "1M");
        NbdClientConfig config = s.config().transport(NbdTransport.EPOLL).userTimeout(Duration.ofMillis(7250))
                .build();
        NbdConnector.Opened opened = NbdConnector.open(config, NegotiationHandler.Purpose.GO)
                .get(20, TimeUnit.SECONDS);
        try {
            assertThat(opened.channel().config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo(7250);
        } finally {
            opened.channel().close().sync();
        }
    }

    @Test
    void aServerRestartedSmallerOrWithoutFuaFailsTheLinkWithThePreciseReason() throws Exception {
        NbdkitServer first = start("memory", "16M");
        ResilientNbdClient client = connect(first.config().connectTimeout(Duration.ofSeconds(1))
                .reconnectWindow(Duration.ofSeconds(15)));
        first.kill();
        servers.add(NbdkitServer.startOn(dir, first.port(), "memory", "8M"));
        poll("FAILED", Duration.ofSeconds(15), () -> client.state() == LinkState.FAILED);
        assertThat(client.health().lastFailure()).isEqualTo("export '' shrank from 16777216 to 8388608 bytes");

        NbdkitServer second = start("memory", "16M");
        ResilientNbdClient other = connect(second.config().connectTimeout(Duration.ofSeconds(1))
                .reconnectWindow(Duration.ofSeconds(15)));
        second.kill();
        // the fua filter's default mode (none) stops advertising FUA
        servers.add(NbdkitServer.startOn(dir, second.port(), "--filter=fua", "memory", "16M"));
        poll("FAILED", Duration.ofSeconds(15), () -> other.state() == LinkState.FAILED);
        assertThat(other.health().lastFailure()).isEqualTo("export '' lost transmission flag(s) NBD_FLAG_SEND_FUA");
    }
}
