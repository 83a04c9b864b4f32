package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.LoggedProcess;
import dev.ferry.daemon.testing.NbdkitServer;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote PV's link against real nbdkit servers on loopback: a server killed with SIGKILL and started again within
 * the PV's reconnect window is reconnected to (pvs shows {@code reconnecting}, then {@code connected} with the count)
 * and serves the LV again, and writes acknowledged but not flushed before the kill, gone from the server's file
 * meanwhile (as from a server that lost its cache), are replayed first, so the next FLUSH covers them and the PV
 * stays; and an {@code nbds://} PV carries a VG's LV over TLS (written, read
 * back through the daemon, found in the server's file, kept across a daemon restart) while a server without TLS is
 * refused.
 */
class RemotePvLinkProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MIB = 1 << 20;

    @RegisterExtension
    final ChildProcesses<LoggedProcess> children = new ChildProcesses<>();

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        NbdkitServer.assumeInstalled();
    }

    @Test
    void aServerRestartedWithinTheWindowIsReconnectedAndGetsTheUnflushedWritesItLostReplayed() throws Exception {
        Path file = sparse("a.img", 64 * MIB);
        NbdkitServer a = children.own(NbdkitServer.tcp(dir, "file", file.toString()));
        FerryDaemon daemon = children.own(FerryDaemon.start(dir));
        String local = dir.resolve("local.img").toString();
        String uri = a.uri("") + "?request-timeout=2s&heartbeat-interval=200ms&reconnect-window=30s";
        daemon.cliOk("pvcreate", "--size", "64m", local);
        daemon.cliOk("pvcreate", uri);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, uri);
        daemon.cliOk("lvcreate", "-n", "lin", "-L", "8M", "vg", uri);
        assertThat(health(daemon, uri)).isEqualTo("connected");
        assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_link", uri).out().strip())
                .isEqualTo("connect-timeout=5s request-timeout=2s heartbeat-interval=200ms reconnect-window=30s");
        assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_link", local).out()).isBlank();

        byte[] data = new byte[MIB];
        new Random(14).nextBytes(data);
        try (NbdClient c = daemon.nbdClient("vg/lin")) {
            c.write(0, Unpooled.wrappedBuffer(data)).join();   // acknowledged, never flushed

            a.kill9();
            Poll.until(TIMEOUT, "pvs to show the link reconnecting", () -> health(daemon, uri).startsWith(
                    "reconnecting: "));
            long peStart = 1L << 20;   // the LV's first extent starts at the PV's first PE
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.seek(peStart);
                f.write(new byte[MIB]);   // the write never reached the disk
            }
            a.startAgain("file", file.toString());
            Poll.until(TIMEOUT, "pvs to show the link connected again", () -> health(daemon, uri).startsWith(
                    "connected: reconnected 1 time(s)"));
            assertThat(attr(daemon, uri)).as("not lost while reconnecting").isEqualTo("a--");

            ByteBuf back = c.read(0, MIB).join();
            try {
                assertThat(ByteBufUtil.getBytes(back)).as("the replayed write reads back").isEqualTo(data);
            } finally {
                back.release();
            }
            c.flush().join();
        }
        byte[] onServer = new byte[MIB];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(1L << 20);
            f.readFully(onServer);
        }
        assertThat(Arrays.equals(onServer, data)).as("the replay reached the server's file").isTrue();
        assertThat(attr(daemon, uri)).as("the PV stays").isEqualTo("a--");
        assertThat(health(daemon, uri)).startsWith("connected: reconnected 1 time(s)");
        assertThat(daemon.isAlive()).isTrue();
    }

    @Test
    void anNbdsPvCarriesAnLvOverTlsAndAServerWithoutTlsIsRefused() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        Path file = sparse("tls.img", 64 * MIB);
        NbdkitServer tls = children.own(NbdkitServer.tcp(dir, "--tls=require", "--tls-certificates=" + pki.dir(),
                "--tls-verify-peer", "file", file.toString()));
        NbdkitServer plain = children.own(NbdkitServer.tcp(dir, "memory", "64M"));
        FerryDaemon daemon = children.own(FerryDaemon.start(dir));
        String uri = nbds(tls, pki);
        String local = dir.resolve("local.img").toString();
        daemon.cliOk("pvcreate", "--size", "64m", local);
        daemon.cliOk("pvcreate", uri);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, uri);
        daemon.cliOk("lvcreate", "-n", "sec", "-L", "4M", "vg", uri);
        assertThat(health(daemon, uri)).isEqualTo("connected");

        byte[] data = new byte[MIB];
        new Random(15).nextBytes(data);
        try (NbdClient c = daemon.nbdClient("vg/sec")) {
            c.write(MIB, Unpooled.wrappedBuffer(data), NbdConstants.NBD_CMD_FLAG_FUA).join();
        }
        byte[] onServer = new byte[MIB];
        long peStart = 1L << 20;   // the LV's first extent starts at the PV's first PE
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(peStart + MIB);
            f.readFully(onServer);
        }
        assertThat(Arrays.equals(onServer, data)).as("the write reached the server's file").isTrue();

        daemon.stop();
        daemon.startAgain();
        assertThat(health(daemon, uri)).isEqualTo("connected");
        try (NbdClient c = daemon.nbdClient("vg/sec")) {
            ByteBuf back = c.read(MIB, MIB).join();
            try {
                assertThat(ByteBufUtil.getBytes(back)).as("read back after a restart, over TLS").isEqualTo(data);
            } finally {
                back.release();
            }
        }

        CliResult refused = daemon.cli("pvcreate", nbds(plain, pki));
        assertThat(refused.exit()).as(refused.describe()).isNotZero();
        assertThat(refused.err()).as(refused.describe())
                .contains("cannot connect to 127.0.0.1:", "server refused STARTTLS, and TLS is required");
    }

    /** The {@code nbds://} URI of {@code server}'s default export, trusting {@code pki}'s CA. */
    private static String nbds(NbdkitServer server, TestPki pki) {
        return server.uri("").replace("nbd://", "nbds://") + "?tls-certificates=" + pki.dir();
    }

    /** The health column of {@code pv} in {@code pvs}. */
    private static String health(FerryDaemon daemon, String pv) {
        return daemon.cliOk("pvs", "--noheadings", "-o", "pv_health", pv).out().strip();
    }

    /** The attribute column of {@code pv} in {@code pvs}. */
    private static String attr(FerryDaemon daemon, String pv) {
        return daemon.cliOk("pvs", "--noheadings", "-o", "pv_attr", pv).out().strip();
    }

    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }
}
