package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code nbdcopy} (libnbd, multi-connection, block-status aware) round trip through the real process. */
class NbdcopyInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @Test
    void fileToNbdToFileKeepsEveryByte() {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdcopy");
        long size = 48L * MIB + 4096;
        Path source = TestFiles.sparse(dir.resolve("source.img"), size);
        TestFiles.writeRandom(source, 0, 3 * MIB + 17, 11);
        TestFiles.writeRandom(source, 20L * MIB - 5, 5 * MIB, 12);
        TestFiles.writeRandom(source, size - 4096, 4096, 13);
        Path served = TestFiles.sparse(dir.resolve("served.img"), size);
        TestFiles.writeRandom(served, 10L * MIB, MIB, 14); // stale data nbdcopy must zero
        ServeProcess serve = servers.start(dir, served, "copy");

        ExternalTool.run(TIMEOUT, "nbdcopy", source.toString(), serve.uri()).assertSuccess();
        Path back = dir.resolve("back.img");
        ExternalTool.run(TIMEOUT, "nbdcopy", serve.uri(), back.toString()).assertSuccess();

        String expected = TestFiles.sha256(source);
        assertThat(TestFiles.sha256(served)).as("served file").isEqualTo(expected);
        assertThat(TestFiles.sha256(back)).as("copied back").isEqualTo(expected);
    }
}
