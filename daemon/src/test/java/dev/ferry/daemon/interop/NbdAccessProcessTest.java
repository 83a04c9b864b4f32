package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_EPERM;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_FIXED_NEWSTYLE;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_READ_ONLY;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_LIST;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ACK;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ERR_POLICY;
import static dev.ferry.nbd.NbdConstants.NBD_REP_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.Prerequisites;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry daemon --access-rules} against real clients: over TCP, {@code nbdinfo --list} shows only the granted
 * LVs, {@code nbdinfo} and {@code nbdcopy} on a refused LV fail with the policy error, a read-only grant lets
 * {@code nbdcopy} read and refuses a write (EPERM from the server, with libnbd's own checks off), source addresses
 * 127.0.0.1 and 127.0.0.2 get different grants, and SIGHUP reloads the rules; over {@code --listen unix:PATH}, user
 * root is granted and uid 65534 (run with {@code setpriv}) is refused but for the LV its group (named in the rules)
 * may read; and {@code ferry serve --access-rules} under TLS grants by client certificate subject and by subject
 * alternative name.
 */
class NbdAccessProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    private FerryDaemon daemon(Path rules, String... listen) {
        List<String> args = new ArrayList<>(List.of("--access-rules", rules.toString()));
        args.addAll(List.of(listen));
        FerryDaemon d = daemons.own(FerryDaemon.start(dir, args));
        d.cliOk("pvcreate", "--size", "64M", dir.resolve("pv0.img").toString());
        d.cliOk("vgcreate", "vg", dir.resolve("pv0.img").toString());
        return d;
    }

    private static ExternalTool.Result tool(String... command) {
        return ExternalTool.run(TIMEOUT, command);
    }

    /**
     * nbdsh, run on the Debian python3 that has the libnbd binding ({@code nbdsh} itself runs whichever
     * {@code python3} comes first on PATH).
     */
    private static ExternalTool.Result nbdsh(String uri, String... commands) {
        Prerequisites.require(Files.exists(Path.of("/usr/lib/python3/dist-packages/nbd.py")),
                "the libnbd Python binding is not installed (Debian package python3-libnbd)");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-m", "nbd", "-u", uri));
        for (String c : commands) {
            cmd.addAll(List.of("-c", c));
        }
        return tool(cmd.toArray(String[]::new));
    }

    @Test
    void tcpClientsSeeAndOpenOnlyWhatTheirAddressIsGrantedAndSighupReloadsTheRules() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        Path rules = dir.resolve("access.rules");
        Files.writeString(rules, """
                vg/secret  deny  any
                vg/open    rw    address 127.0.0.1
                vg/ro      rw    address 127.0.0.1
                """);
        FerryDaemon d = daemon(rules);
        for (String lv : List.of("open", "ro", "secret")) {
            d.cliOk("lvcreate", "-n", lv, "-L", "4M", "vg");
        }
        Path data = TestFiles.sparse(dir.resolve("data.img"), 4 * MIB);
        TestFiles.writeRandom(data, 0, 4 * (int) MIB, 7);
        tool("nbdcopy", data.toString(), d.nbdUri("vg/ro")).assertSuccess();

        Files.writeString(rules, """
                # vg/ro becomes read-only, and readable from all of 127/8
                vg/secret  deny  any
                vg/open    rw    address 127.0.0.1
                vg/ro      ro    address 127.0.0.0/8
                """);
        tool("kill", "-HUP", String.valueOf(d.pid())).assertSuccess();
        Poll.until(Duration.ofSeconds(30), "the reloaded rules to make vg/ro read-only", () ->
                tool("nbdinfo", d.nbdUri("vg/ro")).stdout().contains("is_read_only: true"));

        String list = tool("nbdinfo", "--list", d.nbdUri("")).assertSuccess().stdout();
        assertThat(list).contains("export=\"vg/open\"", "export=\"vg/ro\"").doesNotContain("vg/secret");
        refusedByPolicy("vg/secret", "nbdinfo", d.nbdUri("vg/secret"));
        refusedByPolicy("vg/secret", "nbdcopy", d.nbdUri("vg/secret"), dir.resolve("stolen.img").toString());
        assertThat(dir.resolve("stolen.img")).doesNotExist();

        Path back = dir.resolve("back.img");
        tool("nbdcopy", d.nbdUri("vg/ro"), back.toString()).assertSuccess();
        assertThat(TestFiles.sha256(back)).isEqualTo(TestFiles.sha256(data));
        ExternalTool.Result write = nbdsh(d.nbdUri("vg/ro"), "h.set_strict_mode(0)", "h.pwrite(b'x' * 512, 0)");
        assertThat(write.exitCode()).as(write.describe()).isNotZero();
        assertThat(write.stderr()).as("the server refused it, not libnbd").contains("Operation not permitted")
                .doesNotContain("server does not support write");
        tool("nbdcopy", d.nbdUri("vg/ro"), back.toString()).assertSuccess();
        assertThat(TestFiles.sha256(back)).as("nothing was written").isEqualTo(TestFiles.sha256(data));

        try (RawNbdClient other = RawNbdClient.connectFrom("127.0.0.2", d.nbdPort())) {
            other.sendClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE);
            assertThat(listed(other)).containsExactly("vg/ro");
            other.sendOption(NBD_OPT_GO, RawNbdClient.goData("vg/open"));
            assertThat(other.readOptionReply().type()).isEqualTo(NBD_REP_ERR_POLICY);
            assertThat(other.go("vg/ro").transmissionFlags() & NBD_FLAG_READ_ONLY).isNotZero();
            other.request(0, NBD_CMD_WRITE, 1, 0, 512, new byte[512]);
            assertThat(other.readSimpleReply(0).error()).isEqualTo(NBD_EPERM);
        }
        try (RawNbdClient local = RawNbdClient.connectFrom("127.0.0.1", d.nbdPort())) {
            local.sendClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE);
            assertThat(listed(local)).containsExactly("vg/open", "vg/ro");
            assertThat(local.go("vg/open").transmissionFlags() & NBD_FLAG_READ_ONLY).isZero();
        }
    }

    /**
     * Runs a libnbd tool with its debug output on and checks that it failed on the server's policy refusal: connecting
     * by URI, libnbd 1.14 says {@code server policy prevents NBD_OPT_GO}; in option mode ({@code nbdinfo}) it reports
     * ENOTSUP and shows the server's message only in its debug output (the reply type itself is checked with
     * {@link RawNbdClient}).
     */
    private static void refusedByPolicy(String export, String... command) {
        ExternalTool.Result r = tool(concat(new String[] {"env", "LIBNBD_DEBUG=1"}, command));
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(r.stderr()).as(r.describe()).containsAnyOf("server policy prevents NBD_OPT_GO",
                "server error message: access to export '" + export + "' is not granted to this client");
    }

    /** The names an NBD_OPT_LIST returns. */
    private static List<String> listed(RawNbdClient c) {
        c.sendOption(NBD_OPT_LIST, new byte[0]);
        List<String> names = new ArrayList<>();
        for (RawNbdClient.OptionReply r = c.readOptionReply(); r.type() != NBD_REP_ACK; r = c.readOptionReply()) {
            assertThat(r.type()).isEqualTo(NBD_REP_SERVER);
            ByteBuffer b = ByteBuffer.wrap(r.data());
            byte[] name = new byte[b.getInt()];
            b.get(name);
            names.add(new String(name, StandardCharsets.UTF_8));
        }
        return names;
    }

    @Test
    void unixSocketPeersAreKnownByTheirUserAndGroup() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        ExternalTool.assumeInstalled("util-linux", "setpriv");
        Prerequisites.require("root".equals(System.getProperty("user.name")), "needs root to run a client as 65534");
        // uid 65534 must be able to reach the socket: every directory on the way searchable
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path socket = Files.createDirectories(dir.resolve("run")).resolve("nbd.sock");
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
        Path rules = dir.resolve("access.rules");
        Files.writeString(rules, "vg/*  rw  user root\nvg/pub  ro  group nogroup\n");
        FerryDaemon d = daemon(rules, "--listen", "unix:" + socket);
        d.cliOk("lvcreate", "-n", "lv", "-L", "4M", "vg");
        d.cliOk("lvcreate", "-n", "pub", "-L", "4M", "vg");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw-rw-");
        String lv = "nbd+unix:///vg/lv?socket=" + socket;
        String pub = "nbd+unix:///vg/pub?socket=" + socket;

        Path data = TestFiles.sparse(dir.resolve("data.img"), 4 * MIB);
        TestFiles.writeRandom(data, 0, 4 * (int) MIB, 11);
        tool("nbdcopy", data.toString(), lv).assertSuccess();
        Path back = dir.resolve("back.img");
        tool("nbdcopy", lv, back.toString()).assertSuccess();
        assertThat(TestFiles.sha256(back)).isEqualTo(TestFiles.sha256(data));
        assertThat(tool("nbdinfo", "--list", "nbd+unix://?socket=" + socket).assertSuccess().stdout())
                .contains("export=\"vg/lv\"", "export=\"vg/pub\"");

        String[] nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
        refusedByPolicy("vg/lv", concat(nobody, "nbdinfo", lv));
        String list = tool(concat(nobody, "nbdinfo", "--list", "nbd+unix://?socket=" + socket)).assertSuccess()
                .stdout();
        assertThat(list).contains("export=\"vg/pub\"").doesNotContain("vg/lv");
        assertThat(tool(concat(nobody, "nbdinfo", pub)).assertSuccess().stdout()).contains("is_read_only: true");
    }

    @Test
    void withoutRulesAUnixSocketAdmitsOnlyTheServersUser() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        ExternalTool.assumeInstalled("util-linux", "setpriv");
        Prerequisites.require("root".equals(System.getProperty("user.name")), "needs root to run a client as 65534");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path socket = dir.resolve("nbd.sock");
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        ServeProcess serve = servers.own(ServeProcess.launch(dir, 0, "disk",
                List.of("serve", file.toString(), "--name", "disk", "--listen", "unix:" + socket)));
        Poll.until(FerryDaemon.START_DEADLINE, "ferry serve to listen on " + socket, () -> {
            if (!serve.isAlive()) {
                throw new AssertionError("ferry serve exited\n" + serve.log());
            }
            return serve.log().contains("nbd+unix:///disk?socket=" + socket);
        });
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        String uri = "nbd+unix:///disk?socket=" + socket;
        assertThat(tool("nbdinfo", "--size", uri).assertSuccess().stdout().strip()).isEqualTo(String.valueOf(4 * MIB));
        ExternalTool.Result nobody = tool("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "nbdinfo",
                uri);
        assertThat(nobody.exitCode()).as(nobody.describe()).isNotZero();
        assertThat(nobody.stderr()).as(nobody.describe()).contains("Permission denied");
        assertThat(serve.terminate(TIMEOUT)).isZero();
        assertThat(socket).as("removed at exit").doesNotExist();
    }

    @Test
    void verifiedCertificateSubjectsAndNamesGetTheirGrants() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        TestPki pki = TestPki.create(dir.resolve("pki"));
        Path alice = pki.clientDirectory("alice", "/O=Ferry test/CN=alice");
        Path bob = pki.clientDirectory("bob", "/O=Ferry test/CN=bob");
        Path carol = pki.clientDirectory("carol", "/O=Ferry test/CN=carol");
        Path dave = pki.clientDirectory("dave", "/O=Ferry test/CN=dave", "DNS:dave.example,email:dave@example.org");
        assertThat(pki.subject("alice")).isEqualTo("CN=alice,O=Ferry test");
        Path rules = Files.writeString(dir.resolve("access.rules"), "disk  rw  subject " + pki.subject("alice")
                + "\ndisk  ro  subject cn=bob, o=Ferry test\ndisk  rw  san email:Dave@Example.org\n");
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        TestFiles.writeRandom(file, 0, 4 * (int) MIB, 5);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates",
                pki.dir().toString(), "--tls-verify-peer", "--access-rules", rules.toString());

        assertThat(tool("nbdinfo", serve.tlsUri(alice)).assertSuccess().stdout()).contains("is_read_only: false");
        assertThat(tool("nbdinfo", serve.tlsUri(bob)).assertSuccess().stdout()).contains("is_read_only: true");
        Path back = dir.resolve("back.img");
        tool("nbdcopy", serve.tlsUri(bob), back.toString()).assertSuccess();
        assertThat(TestFiles.sha256(back)).isEqualTo(TestFiles.sha256(file));
        assertThat(tool("nbdinfo", serve.tlsUri(dave)).assertSuccess().stdout()).as("granted by a SAN")
                .contains("is_read_only: false");
        refusedByPolicy("disk", "nbdinfo", serve.tlsUri(carol));
        assertThat(tool("nbdinfo", "--list", serve.tlsUri(carol)).assertSuccess().stdout())
                .doesNotContain("export=\"disk\"");
    }

    private static String[] concat(String[] prefix, String... rest) {
        List<String> all = new ArrayList<>(List.of(prefix));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
