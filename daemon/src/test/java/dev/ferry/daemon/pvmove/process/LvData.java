package dev.ferry.daemon.pvmove.process;

import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Seeded random content written to a whole LV over NBD, and the SHA-256 of an LV read back over NBD. */
final class LvData {

    private static final int CHUNK = 1 << 20;

    private LvData() {
    }

    /** Fills the whole export {@code vg/lv} with bytes from {@code seed}; returns their SHA-256. */
    static String fill(FerryDaemon daemon, String export, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest digest = sha256();
        try (NbdClient c = daemon.nbdClient(export)) {
            for (long off = 0; off < c.size(); off += CHUNK) {
                byte[] data = new byte[(int) Math.min(CHUNK, c.size() - off)];
                random.nextBytes(data);
                digest.update(data);
                c.write(off, Unpooled.wrappedBuffer(data)).join();
            }
            c.flush().join();
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The SHA-256 of the whole export {@code vg/lv}. */
    static String sha256(FerryDaemon daemon, String export) {
        MessageDigest digest = sha256();
        try (NbdClient c = daemon.nbdClient(export)) {
            for (long off = 0; off < c.size(); off += CHUNK) {
                ByteBuf b = c.read(off, (int) Math.min(CHUNK, c.size() - off)).join();
                try {
                    digest.update(b.nioBuffer());
                } finally {
                    b.release();
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
