package dev.ferry.daemon.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Linux VM booted by {@code scripts/kernel-vm.sh run} whose kernel NBD client reaches one Ferry NBD port: commands
 * go to the guest shell over the VM's command channel, each answered by {@code FERRY-DONE SEQ STATUS}, with the
 * {@code FERRY-CASE NAME PASS|FAIL DETAIL} verdicts printed on the way; the guest console is logged to a file.
 */
public final class KernelVm implements LoggedProcess {

    /** The checkout's kernel-vm script (tests run in {@code daemon/}). */
    public static final Path SCRIPT = Path.of("..", "scripts", "kernel-vm.sh").toAbsolutePath().normalize();
    /** The cache the script prepares (kernel, initramfs). */
    public static final Path CACHE = Path.of("target", "kernel-vm").toAbsolutePath();

    private final Process process;
    private final Path console;
    private final Writer commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private int seq;

    /** What one guest command printed on the channel and returned. */
    public record Answer(String command, int status, List<String> verdicts) {

        /** Fails unless the command exited 0 and every verdict passed. */
        public Answer assertPassed(KernelVm vm) {
            if (status != 0 || verdicts.stream().anyMatch(v -> !v.contains(" PASS"))) {
                throw new AssertionError("guest command '" + command + "' exited " + status + " " + verdicts + "\n"
                        + vm.log());
            }
            return this;
        }
    }

    private KernelVm(Process process, Path console) {
        this.process = process;
        this.console = console;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the VM ended; the reader finds its exit
            }
            lines.add("EOF");
        }, "kernel-vm-channel");
        reader.setDaemon(true);
        reader.start();
    }

    /** Prepares the cache (downloads on the first run) and fails with the script's output if that fails. */
    public static void prepare(Duration timeout) {
        ExternalTool.run(timeout, SCRIPT.toString(), "prepare", "--cache", CACHE.toString()).assertSuccess();
    }

    /** Boots the VM with the guest's NBD server forwarded to host port {@code nbdPort}; waits for FERRY-READY. */
    public static KernelVm boot(int nbdPort, Path workDir, Duration timeout) {
        Path console = workDir.resolve("vm-console.log");
        try {
            Process p = new ProcessBuilder(SCRIPT.toString(), "run", "--cache", CACHE.toString(), "--port",
                    String.valueOf(nbdPort), "--console", console.toString())
                    .redirectError(workDir.resolve("vm-qemu.log").toFile()).start();
            KernelVm vm = new KernelVm(p, console);
            vm.await("FERRY-READY", timeout, new ArrayList<>());
            return vm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code command} in the guest shell and waits for its answer. */
    public Answer run(Duration timeout, String command) {
        int mine = ++seq;
        try {
            commands.write(mine + " " + command + "\n");
            commands.flush();
        } catch (IOException e) {
            throw new AssertionError("VM command channel closed\n" + log(), e);
        }
        List<String> verdicts = new ArrayList<>();
        String done = await("FERRY-DONE " + mine + " ", timeout, verdicts);
        return new Answer(command, Integer.parseInt(done.substring(done.lastIndexOf(' ') + 1)), verdicts);
    }

    /** {@link #run} that must exit 0 with passing verdicts. */
    public Answer runOk(Duration timeout, String command) {
        return run(timeout, command).assertPassed(this);
    }

    private String await(String prefix, Duration timeout, List<String> verdicts) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals("EOF")) {
                    throw new AssertionError((line == null ? "timed out after " + timeout : "VM ended")
                            + " waiting for " + prefix + "\n" + log());
                }
                if (line.startsWith("FERRY-CASE ")) {
                    verdicts.add(line);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Powers the guest off and waits for QEMU to exit. */
    public void powerOff() {
        try {
            commands.write("0 poweroff -f\n");
            commands.flush();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("VM still running 60 s after poweroff\n" + log());
            }
        } catch (IOException e) {
            throw new AssertionError("VM command channel closed\n" + log(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public String log() {
        try {
            return "--- VM console " + console + "\n" + (Files.exists(console) ? Files.readString(console) : "");
        } catch (IOException e) {
            return "--- VM console unreadable: " + e;
        }
    }

    @Override
    public void close() {
        LoggedProcess.kill(process);
    }
}
