package dev.ferry.mapper.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads from {@code /proc} whether threads carry {@code PR_SET_IO_FLUSHER}: the kernel shows it as the task flags
 * {@code PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE} (field 9 of {@code /proc/PID/task/TID/stat}), which, unlike
 * {@code PR_GET_IO_FLUSHER}, anyone may read.
 */
public final class IoFlusherThreads {
    private static final long PF_MEMALLOC_NOIO = 0x00080000L;
    private static final long PF_LOCAL_THROTTLE = 0x00100000L;
    private static final int CAP_SYS_RESOURCE = 24;

    private IoFlusherThreads() {
    }

    /** Whether this process has {@code CAP_SYS_RESOURCE} in its effective set, which setting the flag needs. */
    public static boolean hasCapSysResource() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring("CapEff:".length()).trim(), 16).testBit(CAP_SYS_RESOURCE);
                }
            }
            throw new IllegalStateException("no CapEff line in /proc/self/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The task flags of the task whose {@code /proc} directory is {@code taskDir} (e.g. /proc/thread-self). */
    public static long taskFlags(Path taskDir) {
        try {
            String stat = Files.readString(taskDir.resolve("stat"));
            // the command name may hold spaces and parentheses: the fields start after the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[6]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether task flags {@code flags} show {@code PR_SET_IO_FLUSHER}. */
    public static boolean isIoFlusher(long flags) {
        return (flags & (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)) == (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE);
    }

    /** The {@code /proc} directories of process {@code pid}'s threads whose name starts with {@code prefix}. */
    public static List<Path> threads(long pid, String prefix) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith(prefix)) {
                        out.add(task);
                    }
                } catch (IOException threadGone) {
                    // the thread ended while listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
