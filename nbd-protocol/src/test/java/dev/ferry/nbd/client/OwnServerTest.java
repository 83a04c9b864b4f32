package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_EINVAL;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_CAN_MULTI_CONN;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_DF;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_HOLE;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.server.NbdServer;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.Seeds;
import dev.ferry.nbd.testing.TestCatalog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our client against our own {@link NbdServer} in one JVM: the seeded model workload in every reply format
 * (extended headers included, which nbdkit refuses, so this is the end-to-end test of that path for both
 * sides), CAN_MULTI_CONN coherence across connections, FUA durability, and block status.
 */
class OwnServerTest {

    private static final int SIZE = 4 << 20;
    private static final long BIG = 8L << 30;
    private static final long GIB = 1L << 30;

    private final MemoryExport disk = new MemoryExport("disk", SIZE);
    private final MemoryExport big = new MemoryExport("big", BIG);
    private final MemoryExport aligned = new MemoryExport("aligned4k", SIZE, ExportCapabilities.FULL,
            new BlockSizeConstraints(4096, 4096, 1 << 20), "4 KiB sectors");
    private final List<NbdClient> clients = new ArrayList<>();
    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = NbdServer.builder().catalog(new TestCatalog(disk, big, aligned)).port(0).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        clients.forEach(NbdClient::close);
        server.close();
    }

    static Stream<Arguments> formatsAndSeeds() {
        List<Arguments> out = new ArrayList<>();
        for (ReplyFormat format : ReplyFormat.values()) {
            for (long seed : Seeds.of(1, 2, 20261121).toArray()) {
                out.add(Arguments.of(format, seed));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("formatsAndSeeds")
    void randomPipelinedOperationsMatchTheModelAndTheStore(ReplyFormat format, long seed) throws Exception {
        NbdClient client = connect("disk", format);
        assertThat(client.replyFormat()).isEqualTo(format);
        RandomWorkload workload = new RandomWorkload(SIZE);
        workload.run(client, seed, 150);
        await(client.flush());
        client.disconnect().get(30, TimeUnit.SECONDS);
        workload.assertMatches(disk.contents(0, SIZE), "store after seed " + seed);
        assertThat(disk.durableContents(0, SIZE)).as("FLUSH made everything durable")
                .isEqualTo(disk.contents(0, SIZE));
    }

    /** qemu-iotests nbd-multiconn: WRITE on connection 1, FLUSH on connection 2, READ on connection 0. */
    @Test
    void flushOnOneConnectionCoversWritesCompletedOnAnother() throws Exception {
        NbdClient c0 = connect("disk", ReplyFormat.STRUCTURED);
        NbdClient c1 = connect("disk", ReplyFormat.SIMPLE);
        NbdClient c2 = connect("disk", ReplyFormat.EXTENDED);
        for (NbdClient c : List.of(c0, c1, c2)) {
            assertThat(c.export().hasFlag(NBD_FLAG_CAN_MULTI_CONN)).isTrue();
        }
        byte[] data = pattern(65536, 5);
        await(c1.write(1 << 20, Unpooled.wrappedBuffer(data)));
        assertThat(disk.durableContents(1 << 20, data.length)).as("not durable before FLUSH").containsOnly(0);
        await(c2.flush());
        assertThat(disk.durableContents(1 << 20, data.length)).as("durable after FLUSH on another connection")
                .isEqualTo(data);
        assertThat(readBytes(c0, 1 << 20, data.length)).isEqualTo(data);
    }

    @ParameterizedTest
    @EnumSource(ReplyFormat.class)
    void fuaWritesAndZeroesAreDurableWhenAnswered(ReplyFormat format) throws Exception {
        NbdClient c = connect("disk", format);
        byte[] data = pattern(8192, 9);
        await(c.write(12288, Unpooled.wrappedBuffer(data), NBD_CMD_FLAG_FUA));
        assertThat(disk.durableContents(12288, data.length)).isEqualTo(data);
        await(c.write(65536, Unpooled.wrappedBuffer(data)));
        await(c.writeZeroes(65536, 4096, NBD_CMD_FLAG_FUA));
        assertThat(disk.durableContents(65536, 4096)).containsOnly(0);
        assertThat(disk.durableContents(65536 + 4096, 4096)).as("the unflushed write next to it")
                .containsOnly(0);
        assertThat(readBytes(c, 65536 + 4096, 4096)).isEqualTo(Arrays.copyOfRange(data, 4096, 8192));
    }

    @ParameterizedTest
    @EnumSource(value = ReplyFormat.class, names = {"STRUCTURED", "EXTENDED"})
    void blockStatusReportsHolesAndDataThroughTheClient(ReplyFormat format) throws Exception {
        NbdClient c = connect("disk", format);
        await(c.write(65536, Unpooled.wrappedBuffer(pattern(65536, 1))));
        List<BlockStatusExtent> extents = await(c.blockStatus(0, 262144, false));
        assertThat(extents).containsExactly(new BlockStatusExtent(65536, NBD_STATE_HOLE | NBD_STATE_ZERO),
                new BlockStatusExtent(65536, 0), new BlockStatusExtent(131072, NBD_STATE_HOLE | NBD_STATE_ZERO));
        assertThat(await(c.blockStatus(65536 + 4096, 262144, true))).containsExactly(new BlockStatusExtent(61440, 0));
        await(c.trim(65536, 65536));
        assertThat(await(c.blockStatus(0, 262144, false)))
                .containsExactly(new BlockStatusExtent(262144, NBD_STATE_HOLE | NBD_STATE_ZERO));
    }

    @Test
    void extendedBlockStatusDescribesExtentsBeyondFourGibibytes() throws Exception {
        NbdClient c = connect("big", ReplyFormat.EXTENDED);
        await(c.write(5 * GIB, Unpooled.wrappedBuffer(pattern(4096, 3))));
        assertThat(await(c.blockStatus(0, 6 * GIB, false))).containsExactly(
                new BlockStatusExtent(5 * GIB, NBD_STATE_HOLE | NBD_STATE_ZERO), new BlockStatusExtent(4096, 0),
                new BlockStatusExtent(GIB - 4096, NBD_STATE_HOLE | NBD_STATE_ZERO));
        assertThat(await(c.blockStatus(4096, 6 * GIB, true))).containsExactly(
                new BlockStatusExtent(5 * GIB - 4096, NBD_STATE_HOLE | NBD_STATE_ZERO));
        // compact headers cannot ask for more than 2^32 - 1 bytes; the answer never exceeds the request
        NbdClient compact = connect("big", ReplyFormat.STRUCTURED);
        assertThatThrownBy(() -> await(compact.blockStatus(0, 6 * GIB, false)))
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(await(compact.blockStatus(0, 0xFFFF_F000L, false)))
                .containsExactly(new BlockStatusExtent(0xFFFF_F000L, NBD_STATE_HOLE | NBD_STATE_ZERO));
    }

    @Test
    void extendedReadBeyondTheMaximumPayloadIsRefusedAndTheConnectionStaysInSync() throws Exception {
        NbdClient c = connect("big", ReplyFormat.EXTENDED);
        RawReply tooBig = await(c.sendRaw(NBD_CMD_READ, 0, 0, 64 << 20, null));
        assertThat(tooBig.error()).isEqualTo(NBD_EINVAL);
        assertThat(tooBig.message()).contains("maximum payload");
        assertThat(readBytes(c, 5 * GIB, 4096)).containsOnly(0);
    }

    @Test
    void listInfoAndGoAgreeWithTheCatalogAndBlockSizesAreHonoured() throws Exception {
        NbdClientConfig config = NbdClientConfig.builder("127.0.0.1", port).exportName("aligned4k").build();
        assertThat(await(NbdClient.listExports(config))).extracting(NbdExport::name)
                .containsExactly("disk", "big", "aligned4k");
        NbdExportInfo info = await(NbdClient.info(config));
        assertThat(info.description()).isEqualTo("4 KiB sectors");
        assertThat(info.blockSize()).isEqualTo(new BlockSizeConstraints(4096, 4096, 1 << 20));
        NbdClient c = connect("aligned4k", ReplyFormat.EXTENDED); // asks for NBD_INFO_BLOCK_SIZE, so GO succeeds
        assertThat(c.export().size()).isEqualTo(info.size());
        assertThat(c.transmissionFlags()).as("INFO did not negotiate structured replies, so no SEND_DF there")
                .isEqualTo(info.transmissionFlags() | NBD_FLAG_SEND_DF);
        assertThat(causeOf(c.read(512, 4096))).isInstanceOf(IllegalArgumentException.class);
        RawReply unaligned = await(c.sendRaw(NBD_CMD_READ, 0, 512, 4096, null));
        assertThat(unaligned.error()).isEqualTo(NBD_EINVAL);
        assertThat(readBytes(c, 4096, 4096)).containsOnly(0);
    }

    @Test
    void garbageWrittenRawLosesTheFramingAndTheServerClosesOnlyThatConnection() throws Exception {
        NbdClient c = connect("disk", ReplyFormat.STRUCTURED);
        await(c.writeRawBytes(Unpooled.wrappedBuffer(new byte[28]))); // magic 0: not a request
        c.closeFuture().get(30, TimeUnit.SECONDS);
        assertThat(c.isOpen()).isFalse();
        assertThat(causeOf(c.read(0, 512))).isInstanceOf(NbdConnectionClosedException.class);
        NbdClient fresh = connect("disk", ReplyFormat.STRUCTURED);
        assertThat(readBytes(fresh, 0, 512)).hasSize(512);
    }

    /**
     * Regression for a lost answer: a connection without an external group owns an event loop that terminates
     * as soon as the connection closes, and Netty drops a listener added from another thread once that loop is
     * gone, so a call racing the server's close could wait forever. Here the test owns the group and
     * terminates it the same way, which forces that interleaving: every call must still answer at once.
     */
    @Test
    void callsAfterTheEventLoopTerminatedFailInsteadOfHanging() throws Exception {
        IoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NbdTransport.AUTO.ioHandlerFactory());
        NbdClientConfig config = NbdClientConfig.builder("127.0.0.1", port).exportName("disk")
                .eventLoopGroup(group).build();
        NbdClient c = NbdClient.connect(config).get(30, TimeUnit.SECONDS);
        clients.add(c);
        await(c.writeRawBytes(Unpooled.wrappedBuffer(new byte[28])));
        c.closeFuture().get(30, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync(); // what a private group does on close
        assertThat(causeOf(c.writeRawBytes(Unpooled.wrappedBuffer(new byte[28]))))
                .isInstanceOf(NbdConnectionClosedException.class);
        assertThat(causeOf(c.read(0, 512))).isInstanceOf(NbdConnectionClosedException.class);
        c.disconnect().get(30, TimeUnit.SECONDS);
        assertThat(causeOf(NbdClient.connect(config))).as("no event loop to connect on")
                .isInstanceOf(RejectedExecutionException.class);
    }

    private static Throwable causeOf(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer within 30 s", e);
        }
    }

    private NbdClient connect(String export, ReplyFormat format) throws Exception {
        NbdClient c = NbdClient.connect(NbdClientConfig.builder("127.0.0.1", port).exportName(export)
                .structuredReplies(format != ReplyFormat.SIMPLE).extendedHeaders(format == ReplyFormat.EXTENDED)
                .build()).get(30, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private static byte[] readBytes(NbdClient c, long offset, int length) throws Exception {
        ByteBuf buf = await(c.read(offset, length));
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        return f.get(60, TimeUnit.SECONDS);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }
}
