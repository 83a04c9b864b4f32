package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole file system through the real process: nbdfuse exposes the export as a file, a loop device
 * makes it a block device, mkfs.ext4 and mount put files on it; afterwards e2fsck finds the served
 * file clean and debugfs reads the files back out of it.
 */
class NbdfuseExt4InteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    /** Undo actions, run newest first whatever happens. */
    private final Deque<Runnable> cleanup = new ArrayDeque<>();

    @Test
    void ext4OnNbdfuseOnALoopDeviceSurvivesAndChecksClean() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for losetup and mount");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse for nbdfuse");
        assumeTrue(Files.exists(Path.of("/dev/loop-control")), "needs /dev/loop-control for losetup");
        ExternalTool.assumeInstalled("nbdfuse", "nbdfuse");
        ExternalTool.assumeInstalled("fuse3", "fusermount3");
        ExternalTool.assumeInstalled("e2fsprogs", "mkfs.ext4", "e2fsck", "debugfs");
        ExternalTool.assumeInstalled("mount", "losetup", "mount", "umount");

        Path image = TestFiles.sparse(dir.resolve("ext4.img"), 128 * MIB);
        ServeProcess serve = servers.start(dir, image, "ext4");
        byte[] big = new byte[3 * MIB + 12345];
        new Random(99).nextBytes(big);
        try {
            Path fuse = Files.createDirectory(dir.resolve("fuse"));
            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            Path nbdFile = startNbdfuse(fuse, serve);
            String loop = ExternalTool.run(TIMEOUT, "losetup", "-f", "--show", nbdFile.toString())
                    .assertSuccess().stdout().strip();
            cleanup.push(() -> ExternalTool.run(TIMEOUT, "losetup", "-d", loop));

            ExternalTool.run(TIMEOUT, "mkfs.ext4", "-q", "-F", loop).assertSuccess();
            ExternalTool.run(TIMEOUT, "mount", loop, mnt.toString()).assertSuccess();
            cleanup.push(() -> ExternalTool.run(TIMEOUT, "umount", "-l", mnt.toString()));
            Files.writeString(mnt.resolve("hello.txt"), "hello through ferry\n");
            Files.createDirectory(mnt.resolve("dir"));
            Files.write(mnt.resolve("dir/big.bin"), big);
            try (FileChannel ch = FileChannel.open(mnt.resolve("dir/big.bin"), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            ExternalTool.run(TIMEOUT, "umount", mnt.toString()).assertSuccess();
            cleanup.pop();
            ExternalTool.run(TIMEOUT, "losetup", "-d", loop).assertSuccess();
            cleanup.pop();
            ExternalTool.run(TIMEOUT, "fusermount3", "-u", fuse.toString()).assertSuccess();
        } finally {
            while (!cleanup.isEmpty()) {
                cleanup.pop().run();
            }
        }
        assertThat(serve.terminate(TIMEOUT)).as(serve.log()).isZero();

        ExternalTool.Result fsck = ExternalTool.run(TIMEOUT, "e2fsck", "-fn", image.toString());
        assertThat(fsck.exitCode()).as(fsck.describe()).isZero();
        assertThat(ExternalTool.run(TIMEOUT, "debugfs", "-R", "cat /hello.txt", image.toString())
                .assertSuccess().stdout()).isEqualTo("hello through ferry\n");
        Path dumped = dir.resolve("big.out");
        ExternalTool.run(TIMEOUT, "debugfs", "-R", "dump /dir/big.bin " + dumped, image.toString()).assertSuccess();
        assertThat(Files.readAllBytes(dumped)).isEqualTo(big);
    }

    /** Starts nbdfuse in the background and waits (with a deadline) until its file shows the export. */
    private Path startNbdfuse(Path mountpoint, ServeProcess serve) throws IOException, InterruptedException {
        Process nbdfuse = new ProcessBuilder(ExternalTool.find("nbdfuse").toString(), mountpoint.toString(),
                serve.uri()).redirectErrorStream(true).redirectOutput(dir.resolve("nbdfuse.log").toFile()).start();
        cleanup.push(() -> {
            ExternalTool.run(TIMEOUT, "fusermount3", "-u", "-z", mountpoint.toString());
            nbdfuse.destroy();
            try {
                if (!nbdfuse.waitFor(30, TimeUnit.SECONDS)) {
                    nbdfuse.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Path file = mountpoint.resolve("nbd");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!(Files.exists(file) && Files.size(file) == 128 * MIB)) {
            if (!nbdfuse.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("nbdfuse did not expose " + file + ": "
                        + Files.readString(dir.resolve("nbdfuse.log")));
            }
            nbdfuse.waitFor(50, TimeUnit.MILLISECONDS);
        }
        return file;
    }
}
