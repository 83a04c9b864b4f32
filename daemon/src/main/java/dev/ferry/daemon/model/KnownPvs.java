package dev.ferry.daemon.model;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The PV names a data directory knows (absolute paths and remote PVs' URIs), one per line in {@value #FILE_NAME}; replaced atomically
 * (write temp, fsync, rename, fsync directory).
 */
public final class KnownPvs {
    /** Name of the list inside the data directory. */
    public static final String FILE_NAME = "known-pvs";
    private final Path dataDir;
    private final Set<String> paths;

    private KnownPvs(Path dataDir, Set<String> paths) {
        this.dataDir = dataDir;
        this.paths = paths;
    }

    /** Loads the list of {@code dataDir} (creating the directory if needed). */
    public static KnownPvs load(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        Set<String> paths = new LinkedHashSet<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    paths.add(line.strip());
                }
            }
        }
        return new KnownPvs(dataDir, paths);
    }

    /**
     * The form of a PV name stored in the list and in VG documents: a file path made absolute and normalised, or a
     * remote PV's NBD URI in its canonical form ({@link PvUri}); a malformed URI is refused.
     */
    public static String canonical(String path) {
        if (path == null || path.isBlank()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "A physical volume path is required.");
        }
        if (PvUri.isUri(path)) {
            PvUri uri;
            try {
                uri = PvUri.parse(path);
            } catch (IllegalArgumentException e) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + path + " is no valid remote "
                        + "PV URI: " + e.getMessage());
            }
            return uri.toString();
        }
        return java.nio.file.Paths.get(path).toAbsolutePath().normalize().toString();
    }

    /** The known paths in insertion order. */
    public List<String> paths() {
        return new ArrayList<>(paths);
    }

    /** True if {@code path} is known. */
    public boolean contains(String path) {
        return paths.contains(path);
    }

    /** Adds {@code path} and persists the list. */
    public void add(String path) throws IOException {
        if (paths.add(path)) {
            save();
        }
    }

    /** Removes {@code path} and persists the list. */
    public void remove(String path) throws IOException {
        if (paths.remove(path)) {
            save();
        }
    }

    private void save() throws IOException {
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        byte[] bytes = (String.join("\n", paths) + (paths.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename is still atomic
        }
    }
}
