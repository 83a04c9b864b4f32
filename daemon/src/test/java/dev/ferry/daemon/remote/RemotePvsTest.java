package dev.ferry.daemon.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.NbdkitServer;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RemotePvs} and its devices against a real nbdkit: data and metadata devices share one connection, reads
 * and writes larger than the server's payload limit are split and land byte for byte in the served file, FUA,
 * zeroing, discard and allocation work, the health follows the link (reconnecting, then failed when the window
 * ends), a reconnection to an export carrying another PV's label fails the link, and unfit exports are refused.
 */
class RemotePvsTest {

    private static final long MIB = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    final ChildProcesses<NbdkitServer> servers = new ChildProcesses<>();

    @TempDir
    Path dir;

    private RemotePvs remote;

    @BeforeEach
    void start() {
        NbdkitServer.assumeInstalled();
        remote = new RemotePvs();
    }

    @AfterEach
    void stop() {
        remote.close();
    }

    @Test
    void dataLandsInTheServedFileAndLargeRequestsAreSplit() throws Exception {
        Path file = sparse("d.img", 80 * MIB);
        NbdkitServer nbdkit = servers.own(NbdkitServer.tcp(dir, "file", file.toString()));
        String uri = PvUri.parse(nbdkit.uri("") + "&reconnect-window=1s").toString();
        try (NbdBlockDevice device = remote.openData(uri)) {
            assertThat(device.size()).isEqualTo(80 * MIB);
            byte[] data = new byte[(int) (40 * MIB)];   // beyond nbdkit's 32 MiB maximum payload
            new Random(14).nextBytes(data);
            ByteBuffer src = ByteBuffer.wrap(data, 1, data.length - 1);
            device.write(3 * MIB + 7, src, true).get(30, TimeUnit.SECONDS);
            assertThat(src.position()).as("the caller's buffer is left as it was").isEqualTo(1);
            ByteBuffer back = ByteBuffer.allocate(data.length - 1);
            device.read(3 * MIB + 7, back).get(30, TimeUnit.SECONDS);
            assertThat(back.position()).isZero();
            assertThat(back.array()).isEqualTo(java.util.Arrays.copyOfRange(data, 1, data.length));
            device.flush().get(30, TimeUnit.SECONDS);
            byte[] onDisk = new byte[data.length - 1];
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                f.seek(3 * MIB + 7);
                f.readFully(onDisk);
            }
            assertThat(onDisk).isEqualTo(back.array());

            device.writeZeroes(4 * MIB, 2 * MIB, false).get(30, TimeUnit.SECONDS);
            ByteBuffer zeros = ByteBuffer.allocate((int) (2 * MIB));
            device.read(4 * MIB, zeros).get(30, TimeUnit.SECONDS);
            assertThat(zeros.array()).containsOnly(0);
            device.discard(60 * MIB, MIB).get(30, TimeUnit.SECONDS);
            List<Extent> extents = device.allocation(70 * MIB, 10 * MIB).get(30, TimeUnit.SECONDS);
            assertThat(extents).isNotEmpty();
            assertThat(extents.get(0).offset()).isEqualTo(70 * MIB);
            assertThat(extents.stream().mapToLong(Extent::length).sum()).isLessThanOrEqualTo(10 * MIB);
            assertThat(extents.get(0).allocated()).as("a never-written sparse range").isFalse();
        }
    }

    @Test
    void metadataAndDataShareOneConnectionAndHealthFollowsIt() throws Exception {
        Path socket = dir.resolve("m.sock");
        NbdkitServer nbdkit = servers.own(NbdkitServer.unix(dir, socket, "memory", Long.toString(8 * MIB)));
        String uri = PvUri.parse(nbdkit.uri("") + "&reconnect-window=1s").toString();
        List<String> seen = new ArrayList<>();
        remote.watch(seen::add);
        MetadataDevice metadata = remote.openRemote(uri);
        NbdBlockDevice data = remote.openData(uri);
        assertThat(seen).containsExactly(uri);
        metadata.write(8 * MIB - 3, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        metadata.sync();
        ByteBuffer tail = ByteBuffer.allocate(6);
        metadata.read(8 * MIB - 3, tail);
        assertThat(tail.array()).as("past the end reads as zero").containsExactly(1, 2, 3, 0, 0, 0);
        assertThatThrownBy(() -> metadata.write(8 * MIB - 2, ByteBuffer.allocate(3)))
                .hasMessageContaining("lies past the end");
        assertThat(remote.health(uri)).contains(new RemoteHealth(RemoteHealth.State.CONNECTED, ""));
        assertThat(data.connectionFailure()).isEmpty();

        nbdkit.kill9();
        Poll.until(TIMEOUT, "the link to reconnect", () -> data.reconnecting());
        assertThat(remote.health(uri).orElseThrow().state()).isEqualTo(RemoteHealth.State.RECONNECTING);
        assertThat(data.connectionFailure()).as("not failed while reconnecting").isEmpty();
        Poll.until(TIMEOUT, "the connection to fail", () -> data.connectionFailure().isPresent());
        assertThat(remote.health(uri).orElseThrow().state()).isEqualTo(RemoteHealth.State.FAILED);
        assertThat(remote.health(uri).orElseThrow().reason())
                .contains("no connection within the reconnect window of PT1S", socket.toString());
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> data.read(0, ByteBuffer.allocate(512)).get(30, TimeUnit.SECONDS));
        assertThat(failed.getCause()).isInstanceOf(BlockIoException.class);
        assertThat(((BlockIoException) failed.getCause()).kind()).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThatThrownBy(() -> metadata.sync()).isInstanceOf(IOException.class);
        metadata.close();
        data.close();

        nbdkit.startAgain("memory", Long.toString(8 * MIB));
        try (NbdBlockDevice again = remote.openData(uri)) {
            assertThat(again.connectionFailure()).as("a failed connection is not reused").isEmpty();
            assertThat(remote.health(uri).orElseThrow().state()).isEqualTo(RemoteHealth.State.CONNECTED);
        }
        assertThat(seen).as("told once").containsExactly(uri);
    }

    @Test
    void aReconnectionToAnExportCarryingAnotherPvLabelFailsTheLink() throws Exception {
        Path mine = sparse("mine.img", 8 * MIB);
        Path other = sparse("other.img", 8 * MIB);
        NbdkitServer nbdkit = servers.own(NbdkitServer.tcp(dir, "file", other.toString()));
        String uri = PvUri.parse(nbdkit.uri("") + "?reconnect-window=20s").toString();
        UUID otherPv = UUID.randomUUID();
        UUID myPv = UUID.randomUUID();
        try (MetadataDevice metadata = remote.openRemote(uri)) {
            PvDisk.formatRemote(uri, metadata, PvLabel.withDefaults(otherPv, 8 * MIB));
        }
        nbdkit.kill9();
        nbdkit.startAgain("file", mine.toString());
        MetadataDevice metadata = remote.openRemote(uri);
        PvDisk.formatRemote(uri, metadata, PvLabel.withDefaults(myPv, 8 * MIB));
        NbdBlockDevice data = remote.openData(uri);

        nbdkit.kill9();
        Poll.until(TIMEOUT, "the link to reconnect", data::reconnecting);
        nbdkit.startAgain("file", other.toString());   // the same size, another PV's label
        Poll.until(TIMEOUT, "the link to fail", () -> data.connectionFailure().isPresent());
        assertThat(data.connectionFailure().orElseThrow()).isEqualTo("reconnect check failed: identity changed: the "
                + "export " + uri + " carries PV " + otherPv + " where it carried PV " + myPv);
        metadata.close();
        data.close();
    }

    @Test
    void readOnlyAndFlushlessExportsAndDeadServersAreRefused() {
        NbdkitServer readOnly = servers.own(NbdkitServer.tcp(dir, "-r", "memory", Long.toString(8 * MIB)));
        assertThatThrownBy(() -> remote.openData(readOnly.uri(""))).isInstanceOf(IOException.class)
                .hasMessageEndingWith("is refused: it is read-only (a PV must be writable)");
        assertThat(remote.health(readOnly.uri("")).orElseThrow().state()).isEqualTo(RemoteHealth.State.FAILED);
        NbdkitServer noFlush = servers.own(NbdkitServer.tcp(dir, "eval", "get_size=echo " + 8 * MIB,
                "can_write=exit 0", "can_flush=exit 3", "pread=exit 1", "pwrite=exit 1"));
        assertThatThrownBy(() -> remote.openData(noFlush.uri(""))).hasMessageContaining("offers no FLUSH");
        NbdkitServer gone = servers.own(NbdkitServer.tcp(dir, "memory", "1M"));
        gone.kill9();
        assertThatThrownBy(() -> remote.openData(gone.uri(""))).hasMessageContaining("cannot connect to 127.0.0.1:");
        assertThatThrownBy(() -> remote.openData("nbds://127.0.0.1:1/x?tls-certificates=" + dir.resolve("none")))
                .hasMessageContaining(dir.resolve("none").resolve("ca-cert.pem").toString());
    }

    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        assertThat(Files.size(p)).isEqualTo(size);
        return p;
    }
}
