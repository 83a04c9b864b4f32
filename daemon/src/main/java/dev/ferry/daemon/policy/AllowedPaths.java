package dev.ferry.daemon.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the paths in PV operations and device-mapper tables may point: under the data directory, under a directory
 * added with {@code --allow-path}, or at a block device under {@code /dev}. A path is checked after resolving every
 * symbolic link in it (also a dangling last one, which a create would follow), and the resolved path is what the
 * daemon then uses and shows; relative paths are refused outright.
 */
public final class AllowedPaths {
    private static final Path DEV = Path.of("/dev");
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    /** As many links as the kernel follows in one lookup before ELOOP. */
    private static final int MAX_LINKS = 40;

    private final List<Path> directories;

    private AllowedPaths(List<Path> directories) {
        this.directories = List.copyOf(directories);
    }

    /** The data directory and {@code extra} directories (absolute), plus block devices under /dev. */
    public static AllowedPaths of(Path dataDir, List<Path> extra) {
        List<Path> all = new ArrayList<>();
        all.add(dataDir);
        all.addAll(extra);
        for (Path p : all) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("allowed directory must be absolute: " + p);
            }
        }
        return new AllowedPaths(all);
    }

    /**
     * The resolved form of {@code path}, if it may be used.
     *
     * @param what what the path is for the message, e.g. "PV path"
     * @throws PathRefusedException when it is relative or resolves outside the allowed places
     * @throws java.nio.file.InvalidPathException when it is no path at all (holds a NUL)
     */
    public Path check(String path, String what) {
        Path given = Path.of(path);
        if (!given.isAbsolute()) {
            throw new PathRefusedException(PathRefusedException.Reason.RELATIVE, what + " '" + path
                + "' is relative; give an absolute path");
        }
        Path resolved = resolve(given, 0);
        if (allowed(resolved)) {
            return resolved;
        }
        throw new PathRefusedException(PathRefusedException.Reason.NOT_ALLOWED, what + " '" + path + "'"
            + (resolved.toString().equals(path) ? "" : " (resolved: " + resolved + ")")
            + " lies outside the directories the daemon allows: " + describe()
            + "; the daemon's --allow-path DIR adds one");
    }

    /** The allowed places, for messages: the directories, then block devices under /dev. */
    public String describe() {
        List<String> out = new ArrayList<>();
        directories.forEach(d -> out.add(d.toString()));
        out.add("block devices under /dev");
        return String.join(", ", out);
    }

    private boolean allowed(Path resolved) {
        for (Path dir : directories) {
            Path real = resolve(dir, 0);   // each time: a directory may be created or replaced while the daemon runs
            if (resolved.startsWith(real) && !resolved.equals(real)) {
                return true;
            }
        }
        if (resolved.startsWith(DEV)) {
            try {
                int mode = (Integer) Files.getAttribute(resolved, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                return (mode & S_IFMT) == S_IFBLK;
            } catch (IOException notThere) {
                return false;
            }
        }
        return false;
    }

    /** {@code path} with every symbolic link resolved, as far as it exists; the rest appended, normalized. */
    private static Path resolve(Path path, int links) {
        if (links > MAX_LINKS) {
            throw new PathRefusedException(PathRefusedException.Reason.NOT_ALLOWED, "too many symbolic links in "
                + path);
        }
        try {
            if (Files.exists(path)) {
                return path.toRealPath();
            }
            if (Files.isSymbolicLink(path)) {   // dangling: a create would make its target
                Path target = path.getParent().resolve(Files.readSymbolicLink(path));
                return resolve(target, links + 1);
            }
            Path parent = path.getParent();
            return parent == null ? path : resolve(parent, links).resolve(path.getFileName()).normalize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }
}
