package dev.ferry.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Files of seeded random bytes written into a mounted file system and synced, remembered by their SHA-256 under a
 * path relative to the mount point, so that they can be checked under the same mount point or under another mount of
 * the same file system.
 */
public final class SyncedFiles {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final SplittableRandom random;
    private final Map<Path, String> sha256 = new LinkedHashMap<>();

    /** No files yet; their contents will come from {@code seed}. */
    public SyncedFiles(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Writes {@code count} files of {@code bytes} random bytes into {@code root/sub} (created), then syncs the file
     * system ({@code sync -f}), which returns once they are on its device.
     */
    public void write(Path root, String sub, int count, int bytes) {
        try {
            Path d = Files.createDirectories(root.resolve(sub));
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[bytes];
                random.nextBytes(data);
                Path f = d.resolve("f" + i);
                Files.write(f, data);
                sha256.put(root.relativize(f), hex(data));
            }
            ExternalTool.run(SYNC_TIMEOUT, "sync", "-f", d.toString()).assertSuccess();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails unless every file written so far is under {@code root} with its contents. */
    public void assertUnder(Path root) {
        assertThat(sha256).as("files written").isNotEmpty();
        for (Map.Entry<Path, String> f : sha256.entrySet()) {
            Path p = root.resolve(f.getKey());
            try {
                assertThat(hex(Files.readAllBytes(p))).as("SHA-256 of %s", p).isEqualTo(f.getValue());
            } catch (IOException e) {
                throw new AssertionError("reading " + p, e);
            }
        }
    }

    private static String hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
