package dev.ferry.mapper.copy;

import dev.ferry.mapper.block.BlockDevice;
import java.util.Objects;

/**
 * One destination of a copy.
 *
 * @param device where to write
 * @param offset byte offset on {@code device} that receives the first copied byte
 */
public record CopyDestination(BlockDevice device, long offset) {

    /** Validates the destination. */
    public CopyDestination {
        Objects.requireNonNull(device, "device");
        if (offset < 0) {
            throw new IllegalArgumentException("destination offset must be >= 0, got " + offset);
        }
    }
}
