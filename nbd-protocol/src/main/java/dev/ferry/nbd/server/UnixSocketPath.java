package dev.ferry.nbd.server;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of a Unix socket the server listens on: a stale one (nothing accepts on it) is removed before binding, a
 * live one or any other kind of file is refused; after binding it gets the requested mode; at close it is removed
 * only while it is still the socket this server bound.
 */
final class UnixSocketPath {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketPath.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private Object inode;

    private UnixSocketPath(Path path) {
        this.path = path;
    }

    /**
     * Makes {@code path} free for binding.
     *
     * @throws BindException              when a server listens on it
     * @throws FileAlreadyExistsException when it is not a socket
     */
    static UnixSocketPath clear(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException free) {
            return new UnixSocketPath(path);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a socket");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(path)).close();
        } catch (ConnectException stale) {
            LOG.info("removing stale NBD socket {} (nothing listens on it)", path);
            Files.deleteIfExists(path);
            return new UnixSocketPath(path);
        }
        throw new BindException("Address already in use: another server listens on " + path);
    }

    /** Records the socket just bound at the path and gives it {@code mode}. */
    void bound(Set<PosixFilePermission> mode) throws IOException {
        Files.setPosixFilePermissions(path, mode);
        inode = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes the socket file if it is still the one bound here. */
    void remove() {
        try {
            if (inode != null && inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                Files.delete(path);
            }
        } catch (NoSuchFileException gone) {
            LOG.debug("NBD socket {} already removed", path);
        } catch (IOException e) {
            LOG.warn("cannot remove NBD socket {}: {}", path, e.toString());
        }
    }
}
