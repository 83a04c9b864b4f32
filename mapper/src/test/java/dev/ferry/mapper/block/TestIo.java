package dev.ferry.mapper.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Helpers shared by the block device tests: awaiting futures, random data, external processes. */
final class TestIo {

    /** Longest any single device operation may take in a test before it counts as hung. */
    static final long TIMEOUT_SECONDS = 60;

    private TestIo() {
    }

    /** The future's value, failing the test on error or if it does not complete in time. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("operation did not complete", e);
        }
    }

    /** The {@link BlockIoException} the future fails with; fails the test if it succeeds. */
    static BlockIoException failure(CompletableFuture<?> future) {
        BlockIoException e = outcome(future);
        return e != null ? e : fail("expected the operation to fail");
    }

    /** Null if the future succeeds, else the {@link BlockIoException} it fails with. */
    static BlockIoException outcome(CompletableFuture<?> future) {
        try {
            future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BlockIoException.class);
            return (BlockIoException) e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("operation did not complete", e);
        }
    }

    /** Reads {@code length} bytes at {@code offset}. */
    static byte[] read(BlockDevice device, long offset, int length) {
        byte[] out = new byte[length];
        await(device.read(offset, ByteBuffer.wrap(out)));
        return out;
    }

    /** Writes {@code data} at {@code offset}. */
    static void write(BlockDevice device, long offset, byte[] data) {
        await(device.write(offset, ByteBuffer.wrap(data), false));
    }

    /** {@code n} random bytes. */
    static byte[] random(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Allocated 512-byte blocks of a file ({@code st_blocks}, via {@code stat -c %b}). */
    static long allocatedBlocks(Path file) throws IOException, InterruptedException {
        Result r = run("stat", "-c", "%b", file.toString());
        assertThat(r.exit()).as("stat: %s", r.output()).isZero();
        return Long.parseLong(r.output().trim());
    }

    /** Whether this process runs as root (uid 0). */
    static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    /** Exit status and combined output of a process. */
    record Result(int exit, String output) {
    }

    /** Runs a command to completion (bounded by {@link #TIMEOUT_SECONDS}). */
    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
