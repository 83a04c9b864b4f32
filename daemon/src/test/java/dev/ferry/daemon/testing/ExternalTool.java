package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the interop tests drive (nbdinfo, qemu-io, fio, ...), each with a deadline. */
public final class ExternalTool {

    private static final String[] SEARCH_PATH = (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin")
            .split(":");

    private ExternalTool() {
    }

    /** What a finished tool printed and returned. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** Fails with the whole output unless the tool exited 0. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        public String describe() {
            return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout
                    + "\n--- stderr\n" + stderr;
        }
    }

    /** The tool's absolute path, or null when it is not installed. */
    public static Path find(String tool) {
        for (String dir : SEARCH_PATH) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, tool);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Skips the calling test (fails it when every test must run, see {@link Prerequisites}) unless every tool is
     * installed, naming the Debian package to install.
     */
    public static void assumeInstalled(String debianPackage, String... tools) {
        for (String tool : tools) {
            Prerequisites.require(find(tool) != null, tool + " is not installed (Debian package " + debianPackage
                    + "; scripts/test.sh installs it)");
        }
    }

    /** Runs {@code command} to completion within {@code timeout}; a tool still running then is killed and fails the test. */
    public static Result run(Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path exe = find(cmd.get(0));
        if (exe != null) {
            cmd.set(0, exe.toString());
        }
        try {
            Path out = Files.createTempFile("ferry-tool", ".out");
            Path err = Files.createTempFile("ferry-tool", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout
                            + "\n--- stdout\n" + Files.readString(out) + "\n--- stderr\n" + Files.readString(err));
                }
                return new Result(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }
}
