package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.Exposition;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.LoggedProcess;
import dev.ferry.daemon.testing.NbdkitServer;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote PVs against real servers on loopback: exports of nbdkit (a file over TCP, memory over a Unix socket) and of
 * a second Ferry ({@code ferry serve}) hold a VG's PVs, LVs on them take qemu-io's writes through the daemon's own
 * export and keep them across a daemon restart, pvs and the metrics show each URI with its health; malformed URIs
 * (a TLS URI without certificates, a link setting out of range), a read-only export, one without FLUSH, a shrunk export and one carrying another PV's label are refused with
 * precise errors, pvremove wipes a remote PV's label; and a remote server killed with SIGKILL makes its PV lost: a linear LV there fails with EIO, a
 * mirror with a leg there keeps serving, the daemon stays up.
 */
class RemotePvProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long MIB = 1 << 20;
    private static final String SIZE_64M = Long.toString(64 * MIB);

    @RegisterExtension
    final ChildProcesses<LoggedProcess> children = new ChildProcesses<>();

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        NbdkitServer.assumeInstalled();
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
    }

    @Test
    void pvsOnNbdkitAndAnotherFerryHoldLvsAcrossARestart() throws Exception {
        Path fileA = sparse("a.img", 64 * MIB);
        NbdkitServer a = children.own(NbdkitServer.tcp(dir, "file", fileA.toString()));
        NbdkitServer b = children.own(NbdkitServer.unix(dir, dir.resolve("b.sock"), "memory", SIZE_64M));
        ServeProcess c = children.own(ServeProcess.start(dir, sparse("c.img", 64 * MIB), "disk"));
        int metricsPort = ChildJvm.freePort();
        FerryDaemon daemon = children.own(FerryDaemon.start(dir, List.of("--metrics", "127.0.0.1:" + metricsPort)));
        String local = dir.resolve("local.img").toString();
        String uriA = a.uri("");
        String uriB = b.uri("");
        String uriC = c.uri();

        daemon.cliOk("pvcreate", "--size", "64m", local);
        daemon.cliOk("pvcreate", uriA, uriB, uriC);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, uriA);
        daemon.cliOk("vgextend", "vg", uriB, uriC);
        daemon.cliOk("lvcreate", "-n", "ra", "-L", "8M", "vg", uriA);
        daemon.cliOk("lvcreate", "-n", "rb", "-L", "8M", "vg", uriB);
        daemon.cliOk("lvcreate", "-n", "rc", "-L", "8M", "vg", uriC);
        qemuIo(daemon.nbdUri("vg/ra"), "write -P 0xa5 0 4M").assertSuccess();
        qemuIo(daemon.nbdUri("vg/rb"), "write -P 0xb6 0 4M").assertSuccess();
        qemuIo(daemon.nbdUri("vg/rc"), "write -P 0xc7 1M 3M").assertSuccess();

        byte[] onA = new byte[(int) (4 * MIB)];
        try (RandomAccessFile f = new RandomAccessFile(fileA.toFile(), "r")) {
            f.seek(MIB);   // the first extent, at pe_start
            f.readFully(onA);
        }
        byte[] expected = new byte[onA.length];
        Arrays.fill(expected, (byte) 0xa5);
        assertThat(onA).as("ra's data on the remote export's file").isEqualTo(expected);

        String pvs = daemon.cliOk("pvs", "-o", "pv_name,vg_name,pv_health").out();
        assertThat(pvs).contains(uriA).contains(uriB).contains(uriC).contains(local);
        assertThat(pvs.lines().filter(l -> l.contains("nbd")).toList()).hasSize(3).allMatch(l -> l.endsWith("connected"));
        assertThat(daemon.cliOk("lvs", "-o", "lv_name,devices", "vg/ra").out()).contains(uriA + "(0)");
        Exposition metrics = scrape(metricsPort);
        for (String uri : List.of(uriA, uriB, uriC)) {
            assertThat(metrics.value("ferry_remote_pv_state", "pv", uri, "state", "connected")).as(uri).isEqualTo(1.0);
            assertThat(metrics.value("ferry_remote_pv_state", "pv", uri, "state", "failed")).as(uri).isEqualTo(0.0);
        }

        assertThat(daemon.stop()).isZero();
        daemon.startAgain();
        assertThat(daemon.cliOk("pvs", "-o", "pv_name,pv_attr,pv_health").out().lines()
                .filter(l -> l.contains("nbd")).toList()).hasSize(3).allMatch(l -> l.contains(" a-- "));
        qemuIo(daemon.nbdUri("vg/ra"), "read -P 0xa5 0 4M").assertSuccess();
        qemuIo(daemon.nbdUri("vg/rb"), "read -P 0xb6 0 4M").assertSuccess();
        qemuIo(daemon.nbdUri("vg/rc"), "read -P 0 0 1M", "read -P 0xc7 1M 3M").assertSuccess();
    }

    @Test
    void malformedAndUnsupportedUrisAndUnfitExportsAreRefusedAndPvremoveWipesALabel() {
        FerryDaemon daemon = children.own(FerryDaemon.start(dir));
        assertRefused(daemon, "port 0 is out of range 1-65535", "pvcreate", "nbd://127.0.0.1:0/x");
        assertRefused(daemon, "names no socket: nbd+unix:///EXPORT?socket=PATH", "pvcreate", "nbd+unix:///x");
        assertRefused(daemon, "scheme 'nbdx' is not an NBD scheme", "pvcreate", "nbdx://127.0.0.1/x");
        assertRefused(daemon, "names no TLS certificates directory", "pvcreate", "nbds://127.0.0.1/x");
        assertRefused(daemon, "names no TLS certificates directory", "vgcreate", "vg", "nbds://127.0.0.1/x");
        assertRefused(daemon, "request-timeout 50ms is out of range", "pvcreate", "nbd://127.0.0.1/x?request-timeout=50ms");

        NbdkitServer readOnly = children.own(NbdkitServer.tcp(dir, "-r", "memory", SIZE_64M));
        assertRefused(daemon, "is refused: it is read-only (a PV must be writable)", "pvcreate", readOnly.uri(""));
        NbdkitServer noFlush = children.own(NbdkitServer.tcp(dir, "eval", "get_size=echo " + SIZE_64M,
                "can_write=exit 0", "can_flush=exit 3", "pread=dd if=/dev/zero iflag=count_bytes count=$3 status=none",
                "pwrite=cat >/dev/null"));
        assertRefused(daemon, "is refused: it offers no FLUSH (NBD_FLAG_SEND_FLUSH unset)", "pvcreate",
                noFlush.uri(""));
        NbdkitServer fine = children.own(NbdkitServer.tcp(dir, "memory", SIZE_64M));
        daemon.cliOk("pvcreate", fine.uri(""));
        assertRefused(daemon, "is already labelled as a physical volume", "pvcreate", fine.uri(""));
        daemon.cliOk("pvremove", fine.uri(""));
        daemon.cliOk("pvcreate", fine.uri(""));   // the label was wiped on the export
        daemon.cliOk("pvremove", fine.uri(""));
        NbdkitServer gone = children.own(NbdkitServer.tcp(dir, "memory", SIZE_64M));
        String goneUri = gone.uri("");
        gone.kill9();
        assertRefused(daemon, "cannot connect to 127.0.0.1:", "pvcreate", goneUri);
        assertThat(daemon.cliOk("pvs").out()).doesNotContain("nbd");
        assertThat(daemon.isAlive()).isTrue();
    }

    @Test
    void aShrunkExportAndAnExportCarryingAnotherPvAreRefusedAtActivation() throws Exception {
        Path shrinking = sparse("s.img", 64 * MIB);
        NbdkitServer s = children.own(NbdkitServer.tcp(dir, "file", shrinking.toString()));
        Path other = sparse("o.img", 64 * MIB);
        NbdkitServer o = children.own(NbdkitServer.tcp(dir, "file", other.toString()));
        Path moved = sparse("m.img", 64 * MIB);
        NbdkitServer m = children.own(NbdkitServer.tcp(dir, "file", moved.toString()));
        FerryDaemon daemon = children.own(FerryDaemon.start(dir));
        String local = dir.resolve("local.img").toString();
        daemon.cliOk("pvcreate", "--size", "64m", local);
        daemon.cliOk("pvcreate", s.uri(""), o.uri(""), m.uri(""));
        daemon.cliOk("vgcreate", "vg", local, s.uri(""), m.uri(""));
        String otherUuid = pvUuid(daemon, o.uri(""));
        String movedUuid = pvUuid(daemon, m.uri(""));
        assertThat(daemon.stop()).isZero();

        s.kill9();
        try (RandomAccessFile f = new RandomAccessFile(shrinking.toFile(), "rw")) {
            f.setLength(40 * MIB);
        }
        s.startAgain("file", shrinking.toString());
        m.kill9();
        m.startAgain("file", other.toString());   // m's address now serves o's disk
        daemon.startAgain();

        String pvs = daemon.cliOk("pvs", "-o", "pv_name,vg_name,pv_attr,pv_health").out();
        assertThat(line(pvs, s.uri(""))).contains(" a-m ").contains("failed: the export shrank: it has "
                + 40 * MIB + " bytes, the PV label records " + 64 * MIB);
        assertThat(line(pvs, m.uri(""))).contains(" a-m ").contains("failed: identity changed: the export carries PV "
                + otherUuid + " where VG vg expects PV " + movedUuid);
        assertThat(daemon.cliOk("vgs", "-o", "vg_name,vg_missing_pv_count", "vg").out()).contains("2");
    }

    @Test
    void aKilledRemoteServerLosesItsPvLinearLvsFailAndMirrorsKeepServing() throws Exception {
        Path fileA = sparse("a.img", 64 * MIB);
        NbdkitServer a = children.own(NbdkitServer.tcp(dir, "file", fileA.toString()));
        int metricsPort = ChildJvm.freePort();
        FerryDaemon daemon = children.own(FerryDaemon.start(dir, List.of("--metrics", "127.0.0.1:" + metricsPort)));
        String local = dir.resolve("local.img").toString();
        String uriA = a.uri("") + "?reconnect-window=2s";
        daemon.cliOk("pvcreate", "--size", "64m", local);
        daemon.cliOk("pvcreate", uriA);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, uriA);   // the first PV holds two metadata copies
        daemon.cliOk("lvcreate", "-n", "lin", "-L", "8M", "vg", uriA);
        daemon.cliOk("lvcreate", "-n", "loc", "-L", "8M", "vg", local);
        daemon.cliOk("lvcreate", "-m1", "--mirrorlog", "core", "-n", "mir", "-L", "8M", "vg", local, uriA);
        for (String lv : List.of("lin", "loc", "mir")) {
            qemuIo(daemon.nbdUri("vg/" + lv), "write -P 0x3c 0 8M").assertSuccess();
        }
        Poll.until(TIMEOUT, "the mirror in sync", () -> daemon.cliOk("lvs", "-o", "lv_name,copy_percent", "vg/mir")
                .out().contains("100.00"));

        a.kill9();
        Poll.until(TIMEOUT, "pvs to show the remote PV failed and missing", () -> {
            String l = line(daemon.cliOk("pvs", "-o", "pv_name,pv_attr,pv_health").out(), uriA);
            return l.contains(" a-m ") && l.contains("failed: no connection within the reconnect window of PT2S");
        });
        ExternalTool.Result lin = qemuIo(daemon.nbdUri("vg/lin"), "read 0 64k");
        assertThat(lin.exitCode()).as(lin.describe()).isNotZero();
        assertThat(lin.stdout() + lin.stderr()).contains("Input/output error");
        qemuIo(daemon.nbdUri("vg/loc"), "read -P 0x3c 0 8M").assertSuccess();
        qemuIo(daemon.nbdUri("vg/mir"), "read -P 0x3c 0 8M", "write -P 0x4d 0 1M", "read -P 0x4d 0 1M")
                .assertSuccess();
        assertThat(scrape(metricsPort).value("ferry_remote_pv_state", "pv", uriA, "state", "failed")).isEqualTo(1.0);
        assertThat(daemon.isAlive()).isTrue();
        assertThat(daemon.stop()).isZero();
    }

    private Path sparse(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static ExternalTool.Result qemuIo(String uri, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw", uri));
        for (String c : commands) {
            cmd.addAll(List.of("-c", c));
        }
        return ExternalTool.run(TIMEOUT, cmd.toArray(String[]::new));
    }

    private static void assertRefused(FerryDaemon daemon, String message, String... args) {
        CliResult r = daemon.cli(args);
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.err()).as(r.describe()).contains(message);
    }

    private static String pvUuid(FerryDaemon daemon, String pv) {
        String uuid = daemon.cliOk("pvs", "--noheadings", "-o", "pv_uuid", pv).out().strip();
        return UUID.fromString(uuid).toString();
    }

    /** The report line naming {@code pv}. */
    private static String line(String report, String pv) {
        return report.lines().filter(l -> l.contains(pv + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(pv + " not in\n" + report));
    }

    private static Exposition scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Exposition.parse(r.body());
    }
}
