package dev.ferry.mapper.copy;

import dev.ferry.mapper.block.BlockDevice;
import java.util.List;
import java.util.Objects;

/**
 * What to copy: {@code length} bytes of {@code source} from {@code sourceOffset} to every destination.
 *
 * @param source       the device read
 * @param sourceOffset first source byte
 * @param destinations one or more destinations
 * @param length       bytes to copy
 * @param flushAtEnd   whether the job flushes its destinations before it completes (a caller that batches
 *                     flushes over several jobs, like mirror recovery, passes false and flushes itself)
 * @param throttleGroup  the copier throttle group whose rate limit applies too, or null
 */
public record CopyRequest(BlockDevice source, long sourceOffset, List<CopyDestination> destinations, long length,
        boolean flushAtEnd, String throttleGroup) {

    /** Validates ranges against the device sizes. */
    public CopyRequest {
        Objects.requireNonNull(source, "source");
        destinations = List.copyOf(destinations);
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("a copy needs at least one destination");
        }
        if (length < 0 || sourceOffset < 0 || sourceOffset > source.size() - length) {
            throw new IllegalArgumentException("source range " + sourceOffset + "+" + length + " outside "
                    + source.describe() + " of " + source.size() + " bytes");
        }
        for (CopyDestination d : destinations) {
            if (d.offset() > d.device().size() - length) {
                throw new IllegalArgumentException("destination range " + d.offset() + "+" + length + " outside "
                        + d.device().describe() + " of " + d.device().size() + " bytes");
            }
        }
    }

    /** A copy that flushes its destinations before it completes. */
    public CopyRequest(BlockDevice source, long sourceOffset, List<CopyDestination> destinations, long length) {
        this(source, sourceOffset, destinations, length, true, null);
    }

    /** A copy of the same range to one destination at the same offset. */
    public static CopyRequest sameOffset(BlockDevice source, BlockDevice destination, long offset, long length) {
        return new CopyRequest(source, offset, List.of(new CopyDestination(destination, offset)), length);
    }
}
