package dev.ferry.daemon.process;

import dev.ferry.daemon.command.DefaultLocations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's data directory, created 0700 and held exclusively through an advisory lock on
 * {@code ferry.lock} (which records the holder's pid), so two daemons never share one.
 * Its default location is {@link DefaultLocations#dataDirectory()}.
 */
public final class DataDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);
    /** Name of the lock file. */
    public static final String LOCK_FILE = "ferry.lock";

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path path, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} (0700) if needed and locks it.
     *
     * @throws DataDirectoryLockedException when another daemon holds it
     * @throws IOException                  when it cannot be created or locked
     */
    public static DataDirectory open(Path dir) throws IOException {
        Path path = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            Files.createDirectories(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            LOG.warn("data directory {} has mode {}; 0700 is recommended", path, PosixFilePermissions.toString(perms));
        }
        Path lockFile = path.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new DataDirectoryLockedException("data directory " + path + " is in use by another ferry daemon ("
                    + holder(channel) + "; lock file " + lockFile + ")");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new DataDirectory(path, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        channel.read(b, 0);
        String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
        return pid.matches("\\d+") ? "pid " + pid : "pid unknown";
    }

    /** The directory's absolute path. */
    public Path path() {
        return path;
    }

    /** Releases the lock (the lock file stays: deleting it would race with a starting daemon). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lockChannel.truncate(0);
                lock.release();
            }
        } finally {
            lockChannel.close();
        }
    }
}
