package dev.ferry.daemon.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The secret a client of the control API over loopback TCP must present ({@code Authorization: Bearer TOKEN}):
 * 32 random bytes in hex, new at every daemon start and published in a file of mode 0600 that only the daemon's
 * user can read ({@code DATA_DIR/control.token}). The Unix socket needs none: its clients are known by their peer
 * credentials ({@link ControlPeers}).
 */
public final class ControlToken {
    /** The file name of the token inside the data directory. */
    public static final String FILE_NAME = "control.token";
    /** The environment variable a client reads the token from before the file. */
    public static final String ENV = "FERRY_CONTROL_TOKEN";

    private static final String BEARER = "Bearer ";
    private static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String token;

    private ControlToken(String token) {
        this.token = token;
    }

    /** A token of the given text (a client's copy, or a test's). */
    public static ControlToken of(String token) {
        if (Objects.requireNonNull(token, "token").isBlank()) {
            throw new IllegalArgumentException("a control token must not be blank");
        }
        return new ControlToken(token.strip());
    }

    /** A new random token, written to {@code file} (mode 0600, replacing an older one atomically). */
    public static ControlToken publish(Path file) throws IOException {
        byte[] secret = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(secret);
        ControlToken fresh = new ControlToken(HexFormat.of().formatHex(secret));
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, fresh.token + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return fresh;
    }

    /** The token in {@code file}, if it exists and this process may read it. */
    public static Optional<ControlToken> read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            return text.isBlank() ? Optional.empty() : Optional.of(new ControlToken(text.strip()));
        } catch (IOException | SecurityException unreadable) {
            return Optional.empty();
        }
    }

    /** The value of an {@code Authorization} header carrying this token. */
    public String authorization() {
        return BEARER + token;
    }

    /** True if {@code authorization} (an {@code Authorization} header, possibly null) carries this token. */
    public boolean admits(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            return false;
        }
        byte[] given = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.US_ASCII));   // constant time
    }

    @Override
    public String toString() {
        return "ControlToken[hidden]";
    }
}
