package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.Curl;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.Prerequisites;
import dev.ferry.mapper.nativeio.NativeIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket admits root, the daemon's user and members of {@code --control-group}, and refuses everyone else
 * even when the socket file is opened to all: a real root daemon, and curl run as root and as user 65534 (nobody)
 * with and without the group through {@code setpriv}. The socket lives in a directory every user may search (the
 * data directory is 0700, so nobody could reach a socket inside it at all).
 */
class ControlPeersProcessTest {
    private static final String GROUP = "users";
    private static final int NOBODY = 65534;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private Path socketDir;

    @AfterEach
    void removeSocketDir() throws Exception {
        if (socketDir != null) {
            Files.deleteIfExists(socketDir.resolve("control.sock"));
            Files.deleteIfExists(socketDir);
        }
    }

    @Test
    void rootAndGroupMembersAreServedAndOtherUsersRefused() throws Exception {
        Curl.assumeInstalled();
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv is not installed (util-linux)");
        Prerequisites.require(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "running curl as another user needs root");
        OptionalInt gid = NativeIo.get().groupId(GROUP);
        Prerequisites.require(gid.isPresent(), "no group '" + GROUP + "' on this machine");
        socketDir = Files.createTempDirectory(Path.of("/tmp"), "ferry-peers-");
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx--x--x"));
        Path socket = socketDir.resolve("control.sock");
        FerryDaemon daemon = daemons.own(FerryDaemon.start(dir, List.of("--control", socket.toString(),
                "--control-group", GROUP)));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
        assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(gid.getAsInt());

        List<String> member = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--groups=" + gid.getAsInt());
        List<String> other = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");

        assertThat(call(List.of(), socket, "GET", "/v1/health").status()).isEqualTo(200);
        assertThat(call(List.of(), socket, "DELETE", "/v1/vgs/by-root").status()).isEqualTo(404);
        assertThat(call(member, socket, "GET", "/v1/health").status()).isEqualTo(200);
        assertThat(call(member, socket, "DELETE", "/v1/vgs/by-member").status()).isEqualTo(404);
        awaitLog(daemon, "control request DELETE /v1/vgs/by-root from uid=0 gid=0 pid=");
        awaitLog(daemon, "control request DELETE /v1/vgs/by-member from uid=" + NOBODY + " gid=" + NOBODY + " pid=");

        Curl.Result blocked = call(other, socket, "GET", "/v1/health");
        assertThat(blocked.status()).as("the 0660 socket keeps others out: " + blocked.body()).isZero();
        assertThat(blocked.body()).contains("curl: (7)");

        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Curl.Result refused = call(other, socket, "DELETE", "/v1/vgs/by-other");
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).contains("FORBIDDEN").contains("uid " + NOBODY + " (gid " + NOBODY + ")")
                .contains("members of group '" + GROUP + "'");
        awaitLog(daemon, "control connection from uid=" + NOBODY + " gid=" + NOBODY + " pid=");
        assertThat(daemon.log()).doesNotContain("/v1/vgs/by-other from");
        assertThat(call(member, socket, "GET", "/v1/health").status()).as("members are still served").isEqualTo(200);
    }

    private static Curl.Result call(List<String> as, Path socket, String method, String path) throws Exception {
        return Curl.runAs(as, "--unix-socket", socket.toString(), "-X", method, "http://localhost" + path);
    }

    private static void awaitLog(FerryDaemon daemon, String text) {
        Poll.until(Duration.ofSeconds(10), "the daemon log to show '" + text + "'", () -> daemon.log().contains(text));
    }
}
