package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ferry serve} process itself: graceful exit on SIGTERM/SIGINT, exit codes, file creation. */
class ProcessLifecycleInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @Test
    void sigtermWithAClientAttachedExitsZeroAndKeepsAcknowledgedWrites() {
        Path file = TestFiles.sparse(dir.resolve("t.img"), 16 * MIB);
        ServeProcess serve = servers.start(dir, file, "t");
        byte[] data = new byte[MIB + 100];
        new Random(7).nextBytes(data);
        try (RawNbdClient client = RawNbdClient.attach(serve.port(), "t")) {
            client.request(0, NBD_CMD_WRITE, 1, 3 * MIB + 1, data.length, data);
            assertThat(client.readSimpleReply(0).error()).as("write acknowledged").isZero();

            assertThat(serve.terminate(TIMEOUT)).as(serve.log()).isZero();
            assertThat(client.closedByServer()).as("the attached client was disconnected").isTrue();
        }
        assertThat(TestFiles.read(file, 3 * MIB + 1, data.length)).isEqualTo(data);
        assertThat(serve.log()).contains("stopped").doesNotContain("with errors");
    }

    @Test
    void sigintExitsZero() {
        ServeProcess serve = servers.start(dir, TestFiles.sparse(dir.resolve("i.img"), MIB), "i");
        ExternalTool.run(TIMEOUT, "kill", "-INT", Long.toString(serve.pid())).assertSuccess();
        assertThat(serve.awaitExit(TIMEOUT)).as(serve.log()).isZero();
    }

    @Test
    void sizeCreatesAMissingFileSparse() throws IOException {
        Path file = dir.resolve("new.img");
        ServeProcess serve = servers.start(dir, file, "new", "--size", "2048s");
        assertThat(Files.size(file)).isEqualTo(MIB);
        assertThat(ExternalTool.run(TIMEOUT, "stat", "--format=%b", file.toString()).assertSuccess().stdout().strip())
                .as("allocated blocks").isEqualTo("0");
        assertThat(serve.terminate(TIMEOUT)).isZero();
    }

    @Test
    void aMissingFileWithoutSizeExitsTwoWithAPreciseMessage() {
        Path missing = dir.resolve("missing.img");
        ServeProcess p = servers.own(ServeProcess.launch(dir, 0, "x", List.of("serve", missing.toString())));
        assertThat(p.awaitExit(TIMEOUT)).isEqualTo(2);
        assertThat(p.log()).contains("ferry serve: " + missing
                + ": no such file (pass --size SIZE to create it as a sparse file)");
    }

    @Test
    void anAddressInUseExitsSevenWithAPreciseMessage() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = TestFiles.sparse(dir.resolve("busy.img"), MIB);
            ServeProcess p = servers.own(ServeProcess.launch(dir, taken.getLocalPort(), "busy",
                    List.of("serve", file.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort())));
            assertThat(p.awaitExit(TIMEOUT)).as(p.log()).isEqualTo(7);
            assertThat(p.log()).contains("ferry serve: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
