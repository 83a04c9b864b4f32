package dev.ferry.daemon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code fio --ioengine=nbd} writing random 4 KiB blocks to an export and verifying them with crc32c as it goes
 * ({@code verify_backlog}), until {@link #stopAndCheck()} interrupts it and proves it saw no error, having both
 * written and verified data.
 */
public final class FioVerifier {

    private static final Duration RUN_LIMIT = Duration.ofMinutes(10);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);
    private static final Duration MIN_RUN = Duration.ofSeconds(2);

    /** fio's exit status after SIGINT when nothing failed. */
    private static final int FIO_INTERRUPTED = 128;

    private final Process process;
    private final Path out;
    private final Path err;
    private final long startedNanos = System.nanoTime();

    private FioVerifier(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts fio on {@code uri} over its first {@code size} bytes, seeded {@code seed}; logs go to {@code dir}. */
    public static FioVerifier start(Path dir, String uri, long size, long seed) {
        ExternalTool.assumeInstalled("fio", "fio");
        Path out = dir.resolve("fio-" + seed + ".json");
        Path err = dir.resolve("fio-" + seed + ".err");
        try {
            Process p = new ProcessBuilder(ExternalTool.find("fio").toString(), "--name=verify", "--ioengine=nbd",
                    "--uri=" + uri, "--rw=randwrite", "--bs=4k", "--iodepth=8", "--size=" + size,
                    "--verify=crc32c", "--verify_backlog=16", "--verify_fatal=1", "--verify_state_save=0",
                    "--randseed=" + seed, "--time_based", "--runtime=" + RUN_LIMIT.toSeconds(),
                    "--output-format=json").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new FioVerifier(p, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether fio still runs (it stops early only on an error). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops fio with SIGINT (after it ran at least 2 s) and fails unless it ran until then (fio exits 128 after the
     * signal) with no job error, having written and verified data.
     */
    public JsonNode stopAndCheck() {
        try {
            // fio gets at least MIN_RUN to write and verify something, however quickly the test got here.
            long left = MIN_RUN.toNanos() - (System.nanoTime() - startedNanos);
            process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (!process.isAlive()) {
            throw new AssertionError("fio stopped before it was asked to: " + process.exitValue() + "\n" + output());
        }
        ExternalTool.run(STOP_DEADLINE, "kill", "-INT", Long.toString(process.pid())).assertSuccess();
        try {
            if (!process.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("fio did not stop within " + STOP_DEADLINE + "\n" + output());
            }
            if (process.exitValue() != FIO_INTERRUPTED) {
                throw new AssertionError("fio exited " + process.exitValue() + "\n" + output());
            }
            String text = Files.readString(out);
            JsonNode job = new ObjectMapper().readTree(text.substring(text.indexOf('{'))).path("jobs").path(0);
            if (job.path("error").asInt(-1) != 0 || job.path("write").path("io_bytes").asLong() <= 0
                    || job.path("read").path("io_bytes").asLong() <= 0) {
                throw new AssertionError("fio job failed or neither wrote nor verified\n" + output());
            }
            return job;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills fio if it still runs (cleanup). */
    public void kill() {
        process.destroyForcibly();
    }

    private String output() {
        try {
            return "--- fio stdout\n" + Files.readString(out) + "\n--- fio stderr\n" + Files.readString(err);
        } catch (IOException e) {
            return "fio output unreadable: " + e;
        }
    }
}
