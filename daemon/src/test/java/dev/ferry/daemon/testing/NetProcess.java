package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A process a test started inside a {@link NetHost}'s network namespace, its output going to a log file. */
public final class NetProcess implements LoggedProcess {

    private final Process process;
    private final Path log;
    private final List<String> command;

    NetProcess(Process process, Path log, List<String> command) {
        this.process = process;
        this.log = log;
        this.command = command;
    }

    /** The process ({@code ip netns exec} replaces itself with the command, so this is the command). */
    public Process process() {
        return process;
    }

    /** Whether it still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills it with SIGKILL, as a crash would, and waits for it to end. */
    public void kill9() {
        LoggedProcess.kill(process);
    }

    @Override
    public String log() {
        try {
            return "--- " + String.join(" ", command) + " (" + log + ")\n"
                    + (Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        LoggedProcess.kill(process);
    }
}
