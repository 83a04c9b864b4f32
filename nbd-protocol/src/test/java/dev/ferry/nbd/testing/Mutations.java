package dev.ferry.nbd.testing;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/** Seeded mutations of valid wire streams for fuzz tests. */
public final class Mutations {

    private Mutations() {
    }

    /** Flips bits, overwrites 32-bit fields with extreme lengths, truncates or repeats a tail. */
    public static byte[] mutate(Random rnd, byte[] valid) {
        byte[] b = valid.clone();
        int mutations = rnd.nextInt(4);
        for (int m = 0; m < mutations && b.length > 4; m++) {
            int at = rnd.nextInt(b.length - 4);
            switch (rnd.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> ByteBuffer.wrap(b).putInt(at, new int[] {-1, 0x7fffffff, 0x10000, 0x8000000}[rnd.nextInt(4)]);
                case 2 -> b = Arrays.copyOf(b, at);
                default -> {
                    byte[] tail = Arrays.copyOfRange(b, at, b.length);
                    byte[] longer = Arrays.copyOf(b, b.length + tail.length);
                    System.arraycopy(tail, 0, longer, b.length, tail.length);
                    b = longer;
                }
            }
        }
        return b;
    }

    /** Up to 300 random bytes. */
    public static byte[] random(Random rnd) {
        byte[] b = new byte[rnd.nextInt(300)];
        rnd.nextBytes(b);
        return b;
    }
}
