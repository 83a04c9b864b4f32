package dev.ferry.nbd.export;

/**
 * Block size constraints as sent in NBD_INFO_BLOCK_SIZE (spec "Block size constraints").
 *
 * @param minimum    power of two, at most 64 KiB
 * @param preferred  power of two, at least max(minimum, 512)
 * @param maxPayload largest READ/WRITE payload accepted, at least preferred
 */
public record BlockSizeConstraints(int minimum, int preferred, int maxPayload) {

    /** 1 byte / 4 KiB / 32 MiB: what Ferry advertises unless an export says otherwise. */
    public static final BlockSizeConstraints DEFAULT = new BlockSizeConstraints(1, 4096, 32 * 1024 * 1024);

    /** Validates the spec's rules. */
    public BlockSizeConstraints {
        if (Integer.bitCount(minimum) != 1 || minimum > 65536) {
            throw new IllegalArgumentException("minimum block size must be a power of two <= 64 KiB: " + minimum);
        }
        if (Integer.bitCount(preferred) != 1 || preferred < Math.max(minimum, 512)) {
            throw new IllegalArgumentException("preferred block size must be a power of two >= max(minimum, 512): "
                    + preferred);
        }
        if (maxPayload < preferred) {
            throw new IllegalArgumentException("maximum payload " + maxPayload + " < preferred " + preferred);
        }
    }
}
