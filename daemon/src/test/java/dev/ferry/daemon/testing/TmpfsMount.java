package dev.ferry.daemon.testing;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A tmpfs of a fixed size mounted in a test's directory, so files on it run out of space for real (ENOSPC). */
public final class TmpfsMount implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private boolean mounted;

    private TmpfsMount(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code bytes} at {@code parent/NAME}; skips the test unless root may mount it. */
    public static TmpfsMount mount(Path parent, String name, long bytes) {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
        ExternalTool.assumeInstalled("mount", "mount", "umount");
        TmpfsMount m;
        try {
            m = new TmpfsMount(Files.createDirectories(parent.resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalTool.Result r = ExternalTool.run(TIMEOUT, "mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs",
                m.dir.toString());
        Prerequisites.require(r.exitCode() == 0, "cannot mount a tmpfs here: " + r.describe());
        m.mounted = true;
        return m;
    }

    /** The mount point. */
    public Path dir() {
        return dir;
    }

    /** Unmounts (lazily, so a file still open elsewhere cannot keep it mounted). */
    @Override
    public void close() {
        if (mounted) {
            mounted = false;
            ExternalTool.run(TIMEOUT, "umount", "-l", dir.toString()).assertSuccess();
        }
    }
}
