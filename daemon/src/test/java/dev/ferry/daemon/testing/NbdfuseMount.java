package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * An NBD export as a mounted file system: nbdfuse exposes it as a file, losetup makes that a block device,
 * optionally mkfs.ext4, then mount (on a shared bind mount of the mount point, see {@link #mount}). Every step pushes
 * its undo; {@link #close()} runs them newest first.
 */
public final class NbdfuseMount implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Deque<Runnable> undo = new ArrayDeque<>();
    private final Path mountPoint;
    private String loopDevice;

    private NbdfuseMount(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /**
     * Skips the calling test (fails it when every test must run, see {@link Prerequisites}) unless it runs as root
     * with /dev/fuse, loop devices and the tools installed.
     */
    public static void assumeUsable() {
        Prerequisites.require("root".equals(System.getProperty("user.name")), "needs root for losetup and mount");
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse for nbdfuse");
        Prerequisites.require(Files.exists(Path.of("/dev/loop-control")), "needs /dev/loop-control for losetup");
        ExternalTool.assumeInstalled("nbdfuse", "nbdfuse");
        ExternalTool.assumeInstalled("fuse3", "fusermount3");
        ExternalTool.assumeInstalled("e2fsprogs", "mkfs.ext4", "e2fsck");
        ExternalTool.assumeInstalled("mount", "losetup", "mount", "umount");
    }

    /**
     * Mounts the export at {@code uri} (of {@code size} bytes) under {@code dir/NAME-mnt}, formatting it with
     * ext4 first if {@code format}. On failure everything done so far is undone.
     */
    public static NbdfuseMount mount(Path dir, String name, String uri, long size, boolean format) {
        NbdfuseMount m = new NbdfuseMount(dir.resolve(name + "-mnt"));
        try {
            m.attach(dir, name, uri, size);
            if (format) {
                ExternalTool.run(TIMEOUT, "mkfs.ext4", "-q", "-F", m.loopDevice).assertSuccess();
            }
            Files.createDirectories(m.mountPoint);
            // A process started in a new mount namespace while the file system is mounted (ip netns exec: a remote
            // PV's server restarted by a test) gets a copy of the mount, which keeps the file system alive after our
            // umount until that process exits (mounts here are private), and then writes its journal through a
            // device long gone. Mounted on a shared bind mount of its own directory, the copies are unmounted with it.
            String point = m.mountPoint.toString();
            ExternalTool.run(TIMEOUT, "mount", "--bind", point, point).assertSuccess();
            m.undo.push(() -> ExternalTool.run(TIMEOUT, "umount", point).assertSuccess());
            ExternalTool.run(TIMEOUT, "mount", "--make-shared", point).assertSuccess();
            ExternalTool.run(TIMEOUT, "mount", m.loopDevice, point).assertSuccess();
            m.undo.push(() -> ExternalTool.run(TIMEOUT, "umount", point).assertSuccess());
            return m;
        } catch (IOException e) {
            m.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            m.close();
            throw e;
        }
    }

    private void attach(Path dir, String name, String uri, long size) throws IOException {
        Path fuse = Files.createDirectories(dir.resolve(name + "-fuse"));
        Path log = dir.resolve(name + "-nbdfuse.log");
        Process nbdfuse = new ProcessBuilder(ExternalTool.find("nbdfuse").toString(), fuse.toString(), uri)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        undo.push(() -> stopNbdfuse(fuse, nbdfuse));
        Path file = fuse.resolve("nbd");
        try {
            Poll.until(TIMEOUT, "nbdfuse to expose " + file, () -> {
                if (!nbdfuse.isAlive()) {
                    throw new AssertionError("nbdfuse exited with " + nbdfuse.exitValue());
                }
                try {
                    return Files.exists(file) && Files.size(file) == size;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + Files.readString(log), e);
        }
        loopDevice = ExternalTool.run(TIMEOUT, "losetup", "-f", "--show", file.toString()).assertSuccess()
                .stdout().strip();
        String loop = loopDevice;
        undo.push(() -> ExternalTool.run(TIMEOUT, "losetup", "-d", loop).assertSuccess());
    }

    /** Unmounts {@code fuse} (lazily) and stops its nbdfuse process (and with it the NBD server it ran). */
    static void stopNbdfuse(Path fuse, Process nbdfuse) {
        ExternalTool.run(TIMEOUT, "fusermount3", "-u", "-z", fuse.toString());
        nbdfuse.destroy();
        try {
            if (!nbdfuse.waitFor(30, TimeUnit.SECONDS)) {
                nbdfuse.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where the file system is mounted. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The loop device holding the file system. */
    public String loopDevice() {
        return loopDevice;
    }

    /**
     * Unmounts, checks that the file system is gone from every mount namespace (its {@code /sys/fs/ext4} entry is),
     * then runs {@code e2fsck -fn} on the still attached loop device; fails unless it is clean.
     */
    public void unmountAndCheck() {
        undo.pop().run();
        Path live = Path.of("/sys/fs/ext4", Path.of(loopDevice).getFileName().toString());
        if (Files.exists(live)) {
            throw new AssertionError("the file system on " + loopDevice + " is still mounted after umount (" + live
                    + " exists): a copy of the mount in another mount namespace keeps it alive");
        }
        ExternalTool.Result fsck = ExternalTool.run(TIMEOUT, "e2fsck", "-fn", loopDevice);
        if (fsck.exitCode() != 0) {
            throw new AssertionError("file system not clean after unmount: " + fsck.describe());
        }
    }

    /** Undoes every step newest first (unmount, losetup -d, stop nbdfuse); reports the first failure. */
    @Override
    public void close() {
        RuntimeException first = null;
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException | AssertionError e) {
                if (first == null) {
                    first = new IllegalStateException("cleanup of " + mountPoint + " failed", e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
