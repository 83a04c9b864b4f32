package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_EINVAL;
import static dev.ferry.nbd.NbdConstants.NBD_ENOSPC;
import static dev.ferry.nbd.NbdConstants.NBD_EPERM;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_HOLE;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real nbdkit 1.32 on loopback: negotiation, every command, errors, pipelining. */
class NbdkitInteropTest {

    private static final long SIZE = 64L << 20;
    private static final long TIMEOUT_S = 30;

    @TempDir
    static Path dir;
    private static final List<NbdkitServer> SERVERS = new ArrayList<>();
    private static NbdkitServer memory;

    @BeforeAll
    static void startMemoryServer() throws Exception {
        assumeTrue(NbdkitServer.available(), "nbdkit is not installed (apt-get install nbdkit); interop tests skipped");
        memory = start("memory", "64M");
    }

    @AfterAll
    static void stopServers() throws InterruptedException {
        for (NbdkitServer s : SERVERS) {
            s.close();
        }
    }

    private static NbdkitServer start(String... args) throws IOException, InterruptedException {
        NbdkitServer server = NbdkitServer.start(dir, args);
        SERVERS.add(server);
        return server;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static NbdClient connect(NbdkitServer server) throws Exception {
        return await(NbdClient.connect(server.config().build()));
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private static byte[] readBytes(NbdClient client, long offset, int length) throws Exception {
        ByteBuf buf = await(client.read(offset, length));
        try {
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("future succeeded, expected a failure");
    }

    @Test
    void goNegotiatesStructuredRepliesAndBaseAllocation() throws Exception {
        try (NbdClient client = connect(memory)) {
            assertThat(client.size()).isEqualTo(SIZE);
            assertThat(client.structuredReplies()).isTrue();
            assertThat(client.extendedHeaders()).isFalse();
            assertThat(client.metaContexts()).containsKey(NbdConstants.BASE_ALLOCATION);
            assertThat(client.export().hasFlag(NbdConstants.NBD_FLAG_HAS_FLAGS | NbdConstants.NBD_FLAG_SEND_FLUSH
                    | NbdConstants.NBD_FLAG_SEND_FUA | NbdConstants.NBD_FLAG_SEND_TRIM
                    | NbdConstants.NBD_FLAG_SEND_WRITE_ZEROES)).isTrue();
        }
    }

    @Test
    void extendedHeadersRefusedByNbdkitFallBackToStructuredReplies() throws Exception {
        try (NbdClient client = await(NbdClient.connect(memory.config().extendedHeaders(true).build()))) {
            assertThat(client.replyFormat()).isEqualTo(ReplyFormat.STRUCTURED);
            assertThat(readBytes(client, 0, 512)).hasSize(512);
        }
    }

    @Test
    void serverWithoutStructuredRepliesGetsSimpleRepliesAndNoBlockStatus() throws Exception {
        NbdkitServer noSr = start("--no-sr", "memory", "1M");
        try (NbdClient client = connect(noSr)) {
            assertThat(client.replyFormat()).isEqualTo(ReplyFormat.SIMPLE);
            assertThat(client.metaContexts()).isEmpty();
            byte[] data = random(new Random(7), 3000);
            await(client.write(17, Unpooled.wrappedBuffer(data)));
            assertThat(readBytes(client, 17, 3000)).isEqualTo(data);
            assertThat(causeOf(client.blockStatus(0, 4096, false))).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void writeThenReadRoundTripsAtUnalignedOffsets() throws Exception {
        Random rnd = new Random(42);
        long[] offsets = {0, 1, 4095, 65537, 1_000_003, SIZE - 13};
        int[] lengths = {1, 511, 4097, 65536 + 3, 1 << 20, 13};
        try (NbdClient client = connect(memory)) {
            for (int i = 0; i < offsets.length; i++) {
                byte[] data = random(rnd, lengths[i]);
                int flags = i % 2 == 0 ? NBD_CMD_FLAG_FUA : 0;
                await(client.write(offsets[i], Unpooled.wrappedBuffer(data), flags));
                assertThat(crc(readBytes(client, offsets[i], lengths[i]))).as("offset %d", offsets[i])
                        .isEqualTo(crc(data));
            }
            await(client.flush());
        }
    }

    @Test
    void writeZeroesAndTrimLeaveZeroesAndFastZeroIsHonouredOrRefused() throws Exception {
        try (NbdClient client = connect(memory)) {
            long at = 8L << 20;
            byte[] ones = new byte[256 * 1024];
            java.util.Arrays.fill(ones, (byte) 0x5a);
            await(client.write(at, Unpooled.wrappedBuffer(ones)));
            await(client.writeZeroes(at + 1000, 70_000, true, false));
            byte[] back = readBytes(client, at, ones.length);
            for (int i = 0; i < back.length; i++) {
                byte expect = i >= 1000 && i < 71_000 ? 0 : (byte) 0x5a;
                assertThat(back[i]).as("byte %d", i).isEqualTo(expect);
            }
            await(client.writeZeroes(at, 4096, NbdConstants.NBD_CMD_FLAG_FUA));
            await(client.trim(at + 65536, 65536));
            await(client.cache(at, 65536));
            CompletableFuture<Void> fast = client.writeZeroes(at + 131072, 4096, false, true);
            if (client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FAST_ZERO)) {
                try {
                    await(fast);
                    assertThat(readBytes(client, at + 131072, 4096)).containsOnly(0);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(NbdErrorException.class);
                    assertThat(((NbdErrorException) e.getCause()).errorName()).isEqualTo("ENOTSUP");
                }
            } else {
                assertThat(causeOf(fast)).isInstanceOf(UnsupportedOperationException.class);
            }
        }
    }

    @Test
    void sixtyFourPipelinedRequestsOfMixedSizesAllCompleteCorrectly() throws Exception {
        Random rnd = new Random(64);
        try (NbdClient client = connect(memory)) {
            long base = 16L << 20;
            int slot = 256 * 1024;
            byte[][] data = new byte[64][];
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                data[i] = random(rnd, i % 8 == 0 ? slot : 1 + rnd.nextInt(4096));
                writes.add(client.write(base + (long) i * slot, Unpooled.wrappedBuffer(data[i])));
            }
            await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
            List<Integer> completionOrder = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<ByteBuf>> reads = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int index = i;
                CompletableFuture<ByteBuf> read = client.read(base + (long) i * slot, data[i].length);
                read.thenRun(() -> completionOrder.add(index));
                reads.add(read);
            }
            for (int i = 0; i < 64; i++) {
                ByteBuf buf = await(reads.get(i));
                try {
                    assertThat(ByteBuffer.wrap(data[i])).as("read %d", i).isEqualTo(buf.nioBuffer());
                } finally {
                    buf.release();
                }
            }
            assertThat(completionOrder).hasSize(64).doesNotHaveDuplicates();
        }
    }

    @Test
    void listExportsAndInfo() throws Exception {
        NbdkitServer named = start("--filter=exportname", "memory", "2M", "exportname=alpha", "exportname=beta",
                "exportname-list=explicit", "exportdesc=fixed:ferry test");
        List<NbdExport> exports = await(NbdClient.listExports("127.0.0.1", named.port()));
        assertThat(exports).extracting(NbdExport::name).containsExactly("alpha", "beta");
        assertThat(exports).extracting(NbdExport::description).containsOnly("ferry test");
        NbdExportInfo info = await(NbdClient.info(named.config().exportName("beta").build()));
        assertThat(info.size()).isEqualTo(2L << 20);
        assertThat(info.name()).isEqualTo("beta");
        assertThat(info.description()).isEqualTo("ferry test");
        assertThat(info.hasFlag(NbdConstants.NBD_FLAG_HAS_FLAGS)).isTrue();
    }

    @Test
    void unknownExportIsRefusedWithTheServersError() throws Exception {
        NbdkitServer strict = start("--filter=exportname", "memory", "1M", "exportname=only",
                "exportname-strict=true");
        Throwable cause = causeOf(NbdClient.connect(strict.config().exportName("nope").build()));
        assertThat(cause).isInstanceOf(NbdNegotiationException.class).hasMessageContaining("'nope'");
        assertThat(((NbdNegotiationException) cause).replyType() & NbdConstants.NBD_REP_FLAG_ERROR).isNotZero();
    }

    @Test
    void advertisedBlockSizeIsReportedAndEnforcedClientSide() throws Exception {
        NbdkitServer policy = start("--filter=blocksize-policy", "memory", "1M", "blocksize-minimum=512",
                "blocksize-preferred=4096", "blocksize-maximum=65536");
        try (NbdClient client = connect(policy)) {
            assertThat(client.blockSize().minimum()).isEqualTo(512);
            assertThat(client.blockSize().preferred()).isEqualTo(4096);
            assertThat(client.blockSize().maxPayload()).isEqualTo(65536);
            assertThat(causeOf(client.read(1, 512))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("aligned");
            assertThat(causeOf(client.read(0, 131072))).isInstanceOf(IllegalArgumentException.class);
            assertThat(readBytes(client, 512, 1024)).hasSize(1024);
        }
    }

    @Test
    void serverErrorsCarryTheNbdErrorValue() throws Exception {
        try (NbdClient client = connect(memory)) {
            RawReply pastEnd = await(client.sendRaw(NBD_CMD_READ, 0, SIZE - 512, 4096, null));
            assertThat(pastEnd.error()).isEqualTo(NBD_EINVAL);
            RawReply writePastEnd = await(client.sendRaw(NBD_CMD_WRITE, 0, SIZE, 512,
                    Unpooled.wrappedBuffer(new byte[512])));
            assertThat(writePastEnd.error()).isEqualTo(NBD_ENOSPC);
            RawReply unknown = await(client.sendRaw(99, 0, 0, 0, null));
            assertThat(unknown.error()).isEqualTo(NBD_EINVAL);
            assertThat(causeOf(client.read(SIZE - 512, 4096))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("past the end");
            // the connection stays in sync after errors
            assertThat(readBytes(client, 0, 4096)).hasSize(4096);
        }
        NbdkitServer failing = start("--filter=error", "memory", "1M", "error-pread=EIO", "error-pread-rate=100%");
        try (NbdClient client = connect(failing)) {
            Throwable cause = causeOf(client.read(0, 4096));
            assertThat(cause).isInstanceOf(NbdErrorException.class).hasMessageContaining("EIO");
            assertThat(((NbdErrorException) cause).errno()).isEqualTo(NbdConstants.NBD_EIO);
        }
        NbdkitServer readOnly = start("-r", "memory", "1M");
        try (NbdClient client = connect(readOnly)) {
            assertThat(causeOf(client.write(0, Unpooled.wrappedBuffer(new byte[512]))))
                    .isInstanceOf(UnsupportedOperationException.class);
            RawReply raw = await(client.sendRaw(NBD_CMD_WRITE, 0, 0, 512, Unpooled.wrappedBuffer(new byte[512])));
            assertThat(raw.error()).isEqualTo(NBD_EPERM);
        }
    }

    @Test
    void blockStatusOnSparseFileMatchesWhereDataWasWritten() throws Exception {
        Path file = dir.resolve("sparse.img");
        long fileSize = 16L << 20;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(new Random(1), 65536)), 1L << 20);
            ch.write(ByteBuffer.wrap(random(new Random(2), 4096)), 8L << 20);
            ch.truncate(fileSize);
            ch.write(ByteBuffer.allocate(0), fileSize);
            ch.force(true);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), fileSize - 1); // makes the size exact; the last block is data
        }
        NbdkitServer fileServer = start("file", file.toString());
        try (NbdClient client = connect(fileServer)) {
            assertThat(client.size()).isEqualTo(fileSize);
            List<long[]> merged = new ArrayList<>();
            long pos = 0;
            while (pos < fileSize) {
                List<BlockStatusExtent> extents = await(client.blockStatus(pos, fileSize - pos, false));
                assertThat(extents).isNotEmpty();
                for (BlockStatusExtent e : extents) {
                    long len = Math.min(e.length(), fileSize - pos);
                    int flags = e.flags() & (NBD_STATE_HOLE | NBD_STATE_ZERO);
                    long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
                    if (last != null && last[2] == flags) {
                        last[1] += len;
                    } else {
                        merged.add(new long[] {pos, len, flags});
                    }
                    pos += len;
                }
            }
            int hole = NBD_STATE_HOLE | NBD_STATE_ZERO;
            long mib = 1L << 20;
            assertThat(merged).extracting(a -> a[0] + "+" + a[1] + ":" + a[2]).containsExactly(
                    0 + "+" + mib + ":" + hole,
                    mib + "+" + 65536 + ":0",
                    (mib + 65536) + "+" + (8 * mib - mib - 65536) + ":" + hole,
                    8 * mib + "+" + 4096 + ":0",
                    (8 * mib + 4096) + "+" + (fileSize - 4096 - 8 * mib - 4096) + ":" + hole,
                    (fileSize - 4096) + "+" + 4096 + ":0");
            List<BlockStatusExtent> one = await(client.blockStatus(0, fileSize, true));
            assertThat(one).hasSize(1);
            assertThat(one.get(0).length()).isEqualTo(mib);
            assertThat(one.get(0).flags()).isEqualTo(hole);
            byte[] holeBytes = readBytes(client, mib - 4096, 8192);
            assertThat(java.util.Arrays.copyOf(holeBytes, 4096)).containsOnly(0);
        }
    }

    @Test
    void disconnectDrainsInFlightRequestsThenCloses() throws Exception {
        NbdClient client = connect(memory);
        Random rnd = new Random(3);
        long base = 40L << 20;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        byte[][] data = new byte[16][];
        for (int i = 0; i < 16; i++) {
            data[i] = random(rnd, 65536);
            writes.add(client.write(base + i * 65536L, Unpooled.wrappedBuffer(data[i])));
        }
        CompletableFuture<Void> disconnected = client.disconnect();
        assertThat(causeOf(client.flush())).isInstanceOf(IllegalStateException.class);
        await(disconnected);
        for (CompletableFuture<Void> w : writes) {
            assertThat(w).isCompletedWithValue(null);
        }
        assertThat(client.isOpen()).isFalse();
        try (NbdClient again = connect(memory)) {
            for (int i = 0; i < 16; i++) {
                assertThat(readBytes(again, base + i * 65536L, 65536)).isEqualTo(data[i]);
            }
        }
    }

    @Test
    void connectionLossFailsPendingRequests() throws Exception {
        NbdkitServer slow = NbdkitServer.start(dir, "--filter=delay", "memory", "1M", "rdelay=60");
        try {
            NbdClient client = connect(slow);
            CompletableFuture<ByteBuf> read = client.read(0, 4096);
            slow.kill();
            assertThat(causeOf(read)).isInstanceOf(NbdConnectionClosedException.class);
            await(client.closeFuture());
            assertThat(causeOf(client.read(0, 512))).isInstanceOf(NbdConnectionClosedException.class);
        } finally {
            slow.close();
        }
    }
}
