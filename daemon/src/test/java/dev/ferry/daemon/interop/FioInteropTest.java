package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code fio --ioengine=nbd} writes and crc32c-verifies through the real process, on one and on two connections. */
class FioInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final long JOB_SIZE = 16L * MIB;

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @BeforeEach
    void fioInstalled() {
        ExternalTool.assumeInstalled("fio", "fio");
    }

    @Test
    void randomWritesVerifyOnOneConnection() throws Exception {
        ServeProcess serve = servers.start(dir, TestFiles.sparse(dir.resolve("one.img"), 64 * MIB), "one");
        JsonNode jobs = fio(serve, 1, "randwrite", "--bs=4k", 32);
        assertThat(jobs).hasSize(1);
    }

    @Test
    void mixedSizeWritesVerifyOnTwoConnectionsWithDisjointRanges() throws Exception {
        ServeProcess serve = servers.start(dir, TestFiles.sparse(dir.resolve("two.img"), 64 * MIB), "two");
        JsonNode jobs = fio(serve, 2, "randwrite", "--bsrange=4k-256k", 16);
        assertThat(jobs).hasSize(2);
    }

    /** Runs fio; asserts exit 0, no job error, everything written and read back for verification. */
    private JsonNode fio(ServeProcess serve, int connections, String rw, String blockSizes, int depth) throws Exception {
        ExternalTool.Result r = ExternalTool.run(TIMEOUT, "fio", "--name=verify", "--ioengine=nbd",
                "--uri=" + serve.uri(), "--rw=" + rw, blockSizes, "--iodepth=" + depth,
                "--size=" + JOB_SIZE, "--numjobs=" + connections, "--offset_increment=" + JOB_SIZE,
                "--verify=crc32c", "--verify_fatal=1", "--verify_state_save=0", "--randseed=4242",
                "--output-format=json").assertSuccess();
        // fio's nbd engine prints one line per connection on stdout, ahead of the JSON report.
        String text = r.stdout();
        assertThat(text.lines().filter(l -> l.contains("connected to NBD server")).count())
                .as("NBD connections fio opened").isEqualTo(connections);
        JsonNode jobs = new ObjectMapper().readTree(text.substring(text.indexOf('{'))).get("jobs");
        for (JsonNode job : jobs) {
            assertThat(job.get("error").asInt()).as(r.describe()).isZero();
            assertThat(job.get("write").get("io_bytes").asLong()).isEqualTo(JOB_SIZE);
            assertThat(job.get("read").get("io_bytes").asLong()).as("bytes read back to verify").isEqualTo(JOB_SIZE);
        }
        return jobs;
    }
}
