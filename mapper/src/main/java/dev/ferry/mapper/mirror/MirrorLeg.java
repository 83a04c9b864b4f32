package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import java.util.Objects;

/**
 * A leg as named in a mirror table line.
 *
 * @param name          the device name as written in the table
 * @param device        the resolved device
 * @param offsetSectors where the mirrored range starts on the device, in 512-byte sectors
 */
public record MirrorLeg(String name, BlockDevice device, long offsetSectors) {

    /** Validates the leg. */
    public MirrorLeg {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        if (offsetSectors < 0) {
            throw new IllegalArgumentException("mirror leg " + name + ": offset must be >= 0, got " + offsetSectors);
        }
    }
}
