package dev.ferry.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AllowedPaths} against real directories, files and symbolic links. */
class AllowedPathsTest {
    @TempDir
    Path data;

    @TempDir
    Path extra;

    @TempDir
    Path outside;

    @Test
    void pathsUnderTheDataDirectoryOrAnAllowedDirectoryPassResolved() throws Exception {
        AllowedPaths paths = AllowedPaths.of(data, List.of(extra));
        Path existing = Files.createFile(data.resolve("pv1"));
        assertThat(paths.check(existing.toString(), "PV path")).isEqualTo(existing.toRealPath());
        assertThat(paths.check(data.resolve("new/deeper/pv2").toString(), "PV path"))
                .isEqualTo(data.toRealPath().resolve("new/deeper/pv2"));
        assertThat(paths.check(extra.resolve("pv3").toString(), "PV path")).isEqualTo(extra.toRealPath().resolve("pv3"));
        Path link = Files.createSymbolicLink(outside.resolve("to-data"), existing);
        assertThat(paths.check(link.toString(), "PV path")).as("a link into the data directory counts where it points")
                .isEqualTo(existing.toRealPath());
    }

    @Test
    void relativePathsAreRefusedNamingThePath() {
        AllowedPaths paths = AllowedPaths.of(data, List.of());
        assertThatThrownBy(() -> paths.check("pv.img", "PV path")).isInstanceOf(PathRefusedException.class)
                .hasMessage("PV path 'pv.img' is relative; give an absolute path")
                .extracting(e -> ((PathRefusedException) e).reason()).isEqualTo(PathRefusedException.Reason.RELATIVE);
    }

    @Test
    void pathsOutsideAreRefusedWithWhereTheyLead() throws Exception {
        AllowedPaths paths = AllowedPaths.of(data, List.of(extra));
        Path secret = Files.createFile(outside.resolve("secret"));
        assertThatThrownBy(() -> paths.check(secret.toString(), "table device"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageStartingWith("table device '" + secret + "' lies outside the directories the daemon allows: "
                        + data + ", " + extra + ", block devices under /dev")
                .extracting(e -> ((PathRefusedException) e).reason()).isEqualTo(PathRefusedException.Reason.NOT_ALLOWED);

        Path link = Files.createSymbolicLink(data.resolve("innocent"), secret);
        assertThatThrownBy(() -> paths.check(link.toString(), "PV path"))
                .hasMessageContaining("'" + link + "' (resolved: " + secret.toRealPath() + ") lies outside");

        Path dangling = Files.createSymbolicLink(data.resolve("dangling"), outside.resolve("created-by-follow"));
        assertThatThrownBy(() -> paths.check(dangling.toString(), "PV path"))
                .as("a create through a dangling link would make its target")
                .hasMessageContaining("(resolved: " + outside.toRealPath().resolve("created-by-follow") + ")");

        assertThatThrownBy(() -> paths.check(data + "/../" + outside.getFileName() + "/x", "PV path"))
                .hasMessageContaining("lies outside");
        assertThatThrownBy(() -> paths.check(data.toString(), "PV path")).as("the directory itself")
                .hasMessageContaining("lies outside");
    }

    @Test
    void characterDevicesAndMissingDevicesUnderDevAreRefused() {
        AllowedPaths paths = AllowedPaths.of(data, List.of());
        assertThatThrownBy(() -> paths.check("/dev/null", "PV path")).as("a character device")
                .hasMessageContaining("lies outside");
        assertThatThrownBy(() -> paths.check("/dev/ferry-no-such-device", "PV path"))
                .hasMessageContaining("lies outside");
    }

    @Test
    void blockDevicesUnderDevPass() throws Exception {
        Path block;
        try (Stream<Path> devices = Files.list(Path.of("/dev"))) {
            block = devices.filter(AllowedPathsTest::isBlockDevice).findFirst().orElse(null);
        }
        assumeTrue(block != null, "no block device under /dev");
        assertThat(AllowedPaths.of(data, List.of()).check(block.toString(), "PV path")).isEqualTo(block.toRealPath());
    }

    private static boolean isBlockDevice(Path p) {
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0060000;
        } catch (IOException e) {
            return false;
        }
    }
}
