package dev.ferry.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing training run, in a child JVM as {@code scripts/ferry} runs it: its report commands get the
 * stand-in socket's text and JSON reports, the one against a missing socket fails as with no daemon, and it exits 0.
 */
class CdsTrainingTest {
    @TempDir
    Path dir;

    @Test
    void theTrainingCommandsGetTheirAnswersAndFailureAndExitZero() throws Exception {
        Path log = dir.resolve("training.log");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CdsTraining.class.getName()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the training run ends").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("  vg0   2   1   0 wz--n- 120.00m 112.00m")
                .contains("{\"vg_name\":\"vg0\", \"pv_count\":\"2\"}")
                .contains("ferry vgs: cannot reach ferry daemon at ").contains("absent.sock");
    }
}
