package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.NbdfuseMount;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
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

    @Test
    void ext4OnNbdfuseOnALoopDeviceSurvivesAndChecksClean() throws Exception {
        NbdfuseMount.assumeUsable();
        ExternalTool.assumeInstalled("e2fsprogs", "debugfs");

        Path image = TestFiles.sparse(dir.resolve("ext4.img"), 128 * MIB);
        ServeProcess serve = servers.start(dir, image, "ext4");
        byte[] big = new byte[3 * MIB + 12345];
        new Random(99).nextBytes(big);
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "ext4", serve.uri(), 128 * MIB, true)) {
            Path mnt = fs.mountPoint();
            Files.writeString(mnt.resolve("hello.txt"), "hello through ferry\n");
            Files.createDirectory(mnt.resolve("dir"));
            Files.write(mnt.resolve("dir/big.bin"), big);
            try (FileChannel ch = FileChannel.open(mnt.resolve("dir/big.bin"), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            fs.unmountAndCheck();
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
}
