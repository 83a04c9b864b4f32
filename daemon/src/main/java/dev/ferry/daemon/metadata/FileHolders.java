package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The other processes that hold a file open, as far as {@code /proc/PID/fd} lets this process see (all of them as
 * root; its own user's otherwise), so that pvcreate does not label a file someone is using.
 */
public final class FileHolders {
    private static final Path PROC = Paths.get("/proc");

    private FileHolders() {
    }

    /** The ids of the processes other than this one with an open descriptor on {@code file}, in ascending order. */
    public static List<Long> of(Path file) throws IOException {
        Path target = file.toRealPath();
        long self = ProcessHandle.current().pid();
        List<Long> holders = new ArrayList<>();
        if (!Files.isDirectory(PROC)) {
            return holders;
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if (pid != self && holds(process.resolve("fd"), target)) {
                    holders.add(pid);
                }
            }
        }
        holders.sort(null);
        return holders;
    }

    private static boolean holds(Path fds, Path target) {
        try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
            for (Path link : links) {
                try {
                    if (Files.readSymbolicLink(link).equals(target)) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor went away while we looked: not held
                }
            }
        } catch (IOException | SecurityException notVisible) {
            // another user's process (or one that exited): cannot be seen
        }
        return false;
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
