package dev.ferry.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.testing.Curl;
import dev.ferry.daemon.testing.InProcessDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of issue 15 against a daemon with its real volume wiring (in this JVM): a device-mapper table over a
 * root-only file outside the allowed directories and a pvcreate that would make a file anywhere are refused, also
 * through a symbolic link planted inside an allowed directory, and relative paths are refused naming the path; a PV
 * recorded under a directory that is no longer allowed is not opened, and pvremove of it is refused.
 * {@link InProcessDaemon} allows the test directory (the data directory's parent).
 */
class PathPolicyTest {
    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        Curl.assumeInstalled();
        daemon = InProcessDaemon.start(dir.resolve("data"), new FerryServices());
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.stop("test over");
        }
    }

    @Test
    void aTableOverAFileOutsideTheAllowedDirectoriesIsRefused() throws Exception {
        Path secret = Files.write(elsewhere.resolve("secret"), new byte[1 << 20]);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        String refused = api(400, "POST", "/v1/dm", "{\"name\":\"steal\",\"table\":\"0 2048 linear " + secret + " 0\"}");
        assertThat(refused).contains("INVALID_TABLE").contains("'" + secret + "' lies outside the directories the "
                + "daemon allows");
        Path planted = Files.createSymbolicLink(dir.resolve("planted"), secret);
        assertThat(api(400, "POST", "/v1/dm", "{\"name\":\"steal\",\"table\":\"0 2048 linear " + planted + " 0\"}"))
                .contains("(resolved: " + secret.toRealPath() + ") lies outside");
        assertThat(api(400, "POST", "/v1/dm", "{\"name\":\"steal\",\"table\":\"0 2048 linear ../secret 0\"}"))
                .contains("'../secret' is relative");
        assertThat(api(200, "GET", "/v1/dm", null)).doesNotContain("steal");

        Path inside = Files.write(dir.resolve("backing"), new byte[1 << 20]);
        api(201, "POST", "/v1/dm", "{\"name\":\"fine\",\"table\":\"0 2048 linear " + inside + " 0\"}");
    }

    @Test
    void pvcreateOutsideTheAllowedDirectoriesCreatesNothing() throws Exception {
        Path anywhere = elsewhere.resolve("made-by-ferry.img");
        String refused = api(403, "POST", "/v1/pvs", "{\"path\":\"" + anywhere + "\",\"size\":\"64M\"}");
        assertThat(refused).contains("PATH_NOT_ALLOWED").contains("'" + anywhere + "' lies outside");
        assertThat(anywhere).doesNotExist();

        Path dangling = Files.createSymbolicLink(dir.resolve("via-link.img"), anywhere);
        assertThat(api(403, "POST", "/v1/pvs", "{\"path\":\"" + dangling + "\",\"size\":\"64M\"}"))
                .contains("(resolved: " + elsewhere.toRealPath().resolve("made-by-ferry.img") + ")");
        assertThat(anywhere).doesNotExist();

        assertThat(api(400, "POST", "/v1/pvs", "{\"path\":\"pv.img\",\"size\":\"64M\"}"))
                .contains("INVALID_ARGUMENT").contains("PV path 'pv.img' is relative");
        assertThat(api(400, "POST", "/v1/vgs", "{\"name\":\"vg\",\"pvs\":[\"pv.img\"]}"))
                .contains("PV path 'pv.img' is relative");
    }

    @Test
    void aPvNamedThroughALinkIsRecordedUnderItsResolvedPath() throws Exception {
        Path real = dir.resolve("pvs/pv1.img");
        Files.createDirectories(real.getParent());
        Path link = Files.createSymbolicLink(dir.resolve("pv-link"), real);
        assertThat(api(201, "POST", "/v1/pvs", "{\"path\":\"" + link + "\",\"size\":\"64M\"}"))
                .contains("\"pv_name\":\"" + real.getParent().toRealPath().resolve("pv1.img") + "\"");
        assertThat(api(201, "POST", "/v1/vgs", "{\"name\":\"vg\",\"pvs\":[\"" + link + "\"]}")).contains("\"vg\"");
    }

    /**
     * A PV recorded while its directory was allowed, seen by a daemon that no longer allows it: not opened (so
     * missing), and pvremove is refused naming the path, its label left alone.
     */
    @Test
    void pvsRecordedOutsideTheAllowedDirectoriesAreNeitherOpenedNorRemoved() throws Exception {
        daemon.stop("restart allowing more");
        daemon = InProcessDaemon.start(dir.resolve("data"), new FerryServices(), List.of(dir, elsewhere));
        Path pv = elsewhere.toRealPath().resolve("old.img");
        api(201, "POST", "/v1/pvs", "{\"path\":\"" + pv + "\",\"size\":\"64M\"}");
        assertThat(api(200, "GET", "/v1/reports/pvs", null)).contains("\"pv_name\":\"" + pv + "\"");
        byte[] label = Files.readAllBytes(pv);
        daemon.stop("restart allowing less");
        daemon = InProcessDaemon.start(dir.resolve("data"), new FerryServices());

        assertThat(api(200, "GET", "/v1/reports/pvs", null)).as("not opened, so not listed").doesNotContain(pv.toString());
        String refused = api(403, "DELETE", "/v1/pvs?path=" + pv, null);
        assertThat(refused).contains("PATH_NOT_ALLOWED").contains("'" + pv + "' lies outside the directories the "
                + "daemon allows");
        assertThat(Files.readAllBytes(pv)).as("the label is left alone").isEqualTo(label);
    }

    private String api(int status, String method, String path, String json) throws Exception {
        return Curl.api(dir.resolve("data").resolve(DefaultLocations.CONTROL_SOCKET_NAME), status, method, path, json);
    }
}
