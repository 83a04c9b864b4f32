package dev.ferry.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.process.StopReport;
import dev.ferry.daemon.testing.Curl;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.InProcessDaemon;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume and NBD services in a real daemon process lifecycle (in this JVM): the control API creates LVs,
 * nbdinfo lists them as exports on the NBD port, and a restarted daemon activates and serves them again.
 */
class FerryServicesTest {
    @TempDir
    Path dir;
    private DaemonProcess daemon;
    private FerryServices services;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.stop("test over");
        }
    }

    @Test
    void lvsMadeThroughTheControlApiAreListedOverNbdAndComeBackAfterARestart() throws Exception {
        Curl.assumeInstalled();
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        start();
        assertThat(services.services().stream().map(s -> s.name()).toList()).containsExactly("volumes", "nbd-server");
        String pv = dir.resolve("pv").toString();
        api(201, "POST", "/v1/pvs", "{\"path\":\"" + pv + "\",\"size\":\"64M\"}");
        api(201, "POST", "/v1/vgs", "{\"name\":\"vg\",\"pvs\":[\"" + pv + "\"]}");
        api(201, "POST", "/v1/vgs/vg/lvs", "{\"name\":\"one\",\"size\":\"8M\"}");
        api(201, "POST", "/v1/vgs/vg/lvs", "{\"name\":\"two-x\",\"size\":\"12M\"}");
        assertThat(api(200, "GET", "/v1/dm", null)).contains("vg-one").contains("vg-two--x");
        assertThat(nbdinfoList()).contains("export=\"vg/one\"").contains("export=\"vg/two-x\"");

        StopReport stopped = daemon.stop("restart");
        daemon = null;
        assertThat(stopped.clean()).as(stopped.toString()).isTrue();
        assertThat(services.exports().list()).isEmpty();
        start();
        assertThat(nbdinfoList()).contains("export=\"vg/one\"").contains("export=\"vg/two-x\"")
                .contains(String.valueOf(12 << 20));
    }

    private void start() throws Exception {
        services = new FerryServices();
        daemon = InProcessDaemon.start(dir.resolve("data"), services);
    }

    private String nbdinfoList() throws Exception {
        Process p = new ProcessBuilder("nbdinfo", "--list",
                "nbd://127.0.0.1:" + services.nbd().boundAddress().getPort()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private String api(int status, String method, String path, String json) throws Exception {
        return Curl.api(dir.resolve("data").resolve(DefaultLocations.CONTROL_SOCKET_NAME), status, method, path,
                json);
    }
}
