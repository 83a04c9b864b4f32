package dev.ferry.daemon.interop;

import dev.ferry.daemon.testing.ChildCds;
import dev.ferry.daemon.testing.NbdfuseMount;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.Main;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Volumes" walkthrough, run as written: its command block is the marked part of
 * {@code scripts/volume-walkthrough.sh}, and that script (with {@code ferry} running this build's classes) goes from
 * two empty files to a mounted ext4 file system on an LV, grows it and cleans up.
 */
class VolumeWalkthroughProcessTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path SCRIPT = ROOT.resolve("scripts/volume-walkthrough.sh");

    @TempDir
    Path dir;

    @Test
    void theReadmeShowsExactlyTheWalkthroughScript() throws IOException {
        String script = Files.readString(SCRIPT);
        String readme = Files.readString(ROOT.resolve("README.md"));
        String commands = between(script, "# --- walkthrough:begin\n", "# --- walkthrough:end\n");
        String shown = between(readme, "<!-- walkthrough:begin (a copy of scripts/volume-walkthrough.sh) -->\n```sh\n",
                "```\n<!-- walkthrough:end -->");
        assertThat(commands).contains("ferry pvcreate", "mkfs.ext4", "mount", "ferry lvextend");
        assertThat(shown).as("README block vs %s", SCRIPT).isEqualTo(commands);
    }

    @Test
    void theWalkthroughGoesFromTwoEmptyFilesToAMountedExt4FileSystem() throws Exception {
        NbdfuseMount.assumeUsable();
        Path ferry = dir.resolve("ferry");
        Files.writeString(ferry, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                + ChildCds.options().stream().map(o -> "'" + o + "' ").collect(Collectors.joining())
                + "--add-opens java.base/java.io=ALL-UNNAMED"
                + " --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED"
                + " -Dio.netty.tryReflectionSetAccessible=true -cp '" + mainClassPath() + "' "
                + Main.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(ferry, PosixFilePermissions.fromString("rwx------"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Path log = dir.resolve("walkthrough.log");
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("FERRY", ferry.toString(), "WORK", work.toString(),
                "PORT", String.valueOf(ServeProcess.freePort())));
        Process p = pb.start();
        try {
            assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("walkthrough finishes; output:\n%s",
                    Files.readString(log)).isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("{\"lv_name\":\"data\", \"vg_name\":\"vg0\"")
                .contains("\"lv_size\":\"256.00m\"").contains("\"lv_size\":\"320.00m\"")
                .as("a row per segment, as in LVM")
                .contains("\"devices\":\"" + work.resolve("pv1") + "(0)\"")
                .contains("\"devices\":\"" + work.resolve("pv2") + "(0)\"")
                .contains("/dev/loop").contains(work.resolve("mnt").toString())
                .contains("ferry daemon stopped (clean)");
        assertThat(Files.exists(work.resolve("mnt/hello.txt"))).as("unmounted at the end").isFalse();
        for (String pv : List.of("pv1", "pv2")) {
            assertThat(Files.size(work.resolve(pv))).isEqualTo(200L << 20);
        }
    }

    /** The test class path without test classes (the walkthrough runs production code and its logging setup). */
    private static String mainClassPath() {
        return Arrays.stream(ChildCds.classPath().split(File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        assertThat(from).as("marker %s", begin).isNotNegative();
        int to = text.indexOf(end, from + begin.length());
        assertThat(to).as("marker %s", end).isNotNegative();
        return text.substring(from + begin.length(), to);
    }
}
