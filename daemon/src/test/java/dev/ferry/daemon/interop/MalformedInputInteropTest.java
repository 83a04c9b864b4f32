package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_EINVAL;
import static dev.ferry.nbd.NbdConstants.NBD_ENOSPC;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_FIXED_NEWSTYLE;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_NO_ZEROES;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ERR_UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken clients over raw sockets against one real process, which must answer each as the
 * spec says and afterwards still serve a fresh connection correctly (checked after every test).
 */
class MalformedInputInteropTest {

    private static final long SIZE = 16 * MIB;
    private static final String NAME = "target";

    @RegisterExtension
    static final ServeProcesses SERVERS = new ServeProcesses(true);

    @TempDir
    static Path dir;

    private static Path file;
    private static ServeProcess serve;

    @BeforeAll
    static void startServer() {
        file = TestFiles.sparse(dir.resolve("target.img"), SIZE);
        TestFiles.writeRandom(file, 0, 64 * 1024, 5);
        serve = SERVERS.start(dir, file, NAME);
    }

    @AfterEach
    void serverStillServesAFreshConnection() {
        assertThat(serve.isAlive()).as("server process alive").isTrue();
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            c.request(0, NBD_CMD_READ, 77, 4096, 8192, null);
            RawNbdClient.SimpleReply r = c.readSimpleReply(8192);
            assertThat(r.error()).isZero();
            assertThat(r.cookie()).isEqualTo(77);
            assertThat(r.data()).isEqualTo(TestFiles.read(file, 4096, 8192));
        }
    }

    @Test
    void unknownClientFlagsEndTheConnection() {
        try (RawNbdClient c = RawNbdClient.connect(serve.port())) {
            c.sendClientFlags(0xfffffffc | NBD_FLAG_C_FIXED_NEWSTYLE);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownExportInGoIsAnErrorReplyAndTheOptionPhaseGoesOn() {
        try (RawNbdClient c = RawNbdClient.connect(serve.port())) {
            c.sendClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
            c.sendOption(NBD_OPT_GO, RawNbdClient.goData("no-such-export"));
            RawNbdClient.OptionReply r = c.readOptionReply();
            assertThat(r.option()).isEqualTo(NBD_OPT_GO);
            assertThat(r.type()).isEqualTo(NBD_REP_ERR_UNKNOWN);
            assertThat(c.go(NAME).size()).isEqualTo(SIZE);
        }
    }

    @Test
    void badRequestMagicEndsTheConnection() {
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            c.requestWithMagic(0xdeadbeef, 0, NBD_CMD_READ, 1, 0, 512, null);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aWriteHeaderClaiming4GiBIsRefusedWithoutWaitingForThePayload() {
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            c.request(0, NBD_CMD_WRITE, 2, 0, 0xffffffff, new byte[4096]);
            // Either an error reply and a disconnect, or a disconnect: never success, never a hang.
            assertThat(c.closedByServer()).as("connection closed").isTrue();
        }
        assertThat(TestFiles.read(file, 0, 4096)).as("nothing written").isNotEqualTo(new byte[4096]);
    }

    @Test
    void readPastTheEndIsEinvalAndTheConnectionGoesOn() {
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            c.request(0, NBD_CMD_READ, 3, SIZE - 512, 1024, null);
            RawNbdClient.SimpleReply r = c.readSimpleReply(1024);
            assertThat(r.error()).isEqualTo(NBD_EINVAL);
            assertThat(r.cookie()).isEqualTo(3);
            c.request(0, NBD_CMD_READ, 4, SIZE - 512, 512, null);
            assertThat(c.readSimpleReply(512).error()).isZero();
        }
    }

    @Test
    void writePastTheEndIsEnospcItsPayloadConsumedAndTheConnectionGoesOn() {
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            byte[] payload = new byte[1024];
            Arrays.fill(payload, (byte) 0x77);
            c.request(0, NBD_CMD_WRITE, 5, SIZE - 512, 1024, payload);
            RawNbdClient.SimpleReply r = c.readSimpleReply(0);
            assertThat(r.error()).isEqualTo(NBD_ENOSPC);
            assertThat(r.cookie()).isEqualTo(5);
            c.request(0, NBD_CMD_READ, 6, SIZE - 512, 512, null);
            RawNbdClient.SimpleReply read = c.readSimpleReply(512);
            assertThat(read.error()).isZero();
            assertThat(read.data()).isEqualTo(new byte[512]);
        }
    }

    @Test
    void aClientHangingUpDuringALargeReadReplyDoesNotHurtTheServer() {
        try (RawNbdClient c = RawNbdClient.attach(serve.port(), NAME)) {
            for (int i = 0; i < 4; i++) {
                c.request(0, NBD_CMD_READ, 10 + i, 0, 16 * MIB, null);
            }
            c.abort();
        }
    }

    @Test
    void nbdinfoStillWorksAfterAllThat() {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        ExternalTool.Result r = ExternalTool.run(Duration.ofSeconds(60), "nbdinfo", "--size", serve.uri())
                .assertSuccess();
        assertThat(r.stdout().strip()).isEqualTo(Long.toString(SIZE));
    }
}
