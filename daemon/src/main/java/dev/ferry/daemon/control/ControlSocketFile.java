package dev.ferry.daemon.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of a listening control socket: checks and clears a stale one before binding, publishes the new
 * one with mode 0600 (or 0660 owned by the control group) without a window in which others could connect, and
 * removes it only while it is still ours.
 *
 * <p>Publishing binds inside a fresh 0700 directory next to the target, sets the mode and group, then renames the
 * socket onto the target path (rename keeps the bound inode).
 */
final class ControlSocketFile {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketFile.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** Binds a listening socket at a path; returns when it is bound. */
    @FunctionalInterface
    interface Binder {
        void bind(Path path) throws Exception;
    }

    private final Path path;
    private Object fileKey;

    private ControlSocketFile(Path path) {
        this.path = path;
    }

    /** The published socket path. */
    Path path() {
        return path;
    }

    /**
     * Clears a stale socket at {@code path}, binds through {@code binder} and publishes the socket at
     * {@code path} with mode 0600, or 0660 and group {@code groupId} when given.
     *
     * @throws ControlEndpointInUseException when something listens on {@code path} or it is not a socket
     */
    static ControlSocketFile publish(Path path, Optional<Integer> groupId, Binder binder) throws Exception {
        Path parent = Objects.requireNonNull(path.getParent(), "socket path has no parent");
        if (!Files.isDirectory(parent)) {
            throw new NoSuchFileException(parent.toString(), null, "directory of the control socket does not exist");
        }
        clearStale(path);
        Path privateDir = Files.createTempDirectory(parent, ".ferry-ctl-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path staging = privateDir.resolve("s");
            if (staging.toString().length() > ControlEndpoint.MAX_UNIX_PATH_BYTES) {
                // no room for the staging name: bind in place; the window before chmod is only as wide
                // as the parent directory's permissions allow (the data directory is 0700)
                binder.bind(path);
                restrict(path, groupId);
            } else {
                binder.bind(staging);
                restrict(staging, groupId);
                Files.move(staging, path, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            deleteQuietly(privateDir);
        }
        groupId.ifPresent(gid -> warnIfUnreachable(path, gid));
        ControlSocketFile file = new ControlSocketFile(path);
        file.fileKey = Files.readAttributes(path, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
        return file;
    }

    private static void restrict(Path socket, Optional<Integer> groupId) throws IOException {
        if (groupId.isPresent()) {
            Files.setAttribute(socket, "unix:gid", groupId.get(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(groupId.isPresent() ? "rw-rw----"
            : "rw-------"));
    }

    /** Logs a warning when a directory above {@code socket} does not let members of group {@code gid} through. */
    private static void warnIfUnreachable(Path socket, int gid) {
        for (Path dir = socket.getParent(); dir != null; dir = dir.getParent()) {
            try {
                int mode = (Integer) Files.getAttribute(dir, "unix:mode");
                int dirGid = (Integer) Files.getAttribute(dir, "unix:gid");
                if ((mode & 01) == 0 && (dirGid != gid || (mode & 010) == 0)) {
                    LOG.warn("members of the control group (gid {}) cannot reach {}: directory {} (mode {}, gid {}) "
                        + "does not let them through; put the socket in a directory they may search (--control PATH)",
                        gid, socket, dir, Integer.toOctalString(mode & 07777), dirGid);
                    return;
                }
            } catch (IOException e) {
                LOG.warn("cannot check whether the control group can reach {}: {}", socket, e.toString());
                return;
            }
        }
    }

    /** Removes the socket file if it is still the one this daemon published. */
    void remove() {
        try {
            Object current = Files.readAttributes(path, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
            if (current.equals(fileKey)) {
                Files.delete(path);
            } else {
                LOG.warn("control socket {} was replaced by another file; leaving it", path);
            }
        } catch (NoSuchFileException e) {
            LOG.debug("control socket {} already removed", path);
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", path, e.toString());
        }
    }

    private static void clearStale(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new ControlEndpointInUseException(path + " exists and is not a socket; refusing to replace it");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(path)).close();
        } catch (ConnectException refused) {
            LOG.info("removing stale control socket {} (nothing listens on it)", path);
            Files.deleteIfExists(path);
            return;
        } catch (IOException e) {
            throw new ControlEndpointInUseException("cannot check whether control socket " + path
                + " is in use: " + e.getMessage());
        }
        throw new ControlEndpointInUseException("another ferry daemon is already listening on " + path);
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            LOG.warn("cannot remove staging directory {}: not empty", dir);
        } catch (IOException e) {
            LOG.warn("cannot remove staging directory {}: {}", dir, e.toString());
        }
    }
}
