package dev.ferry.mapper.copy;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Makes a destination range read as zeroes for a copied source hole without changing what the destination has
 * allocated: its holes and known-zero extents are left as they are, its data is zeroed in place
 * ({@code writeZeroes} without unmapping: an unwritten extent rather than a hole punch, which frees and discards
 * blocks and costs several times more). A destination that cannot describe its allocation is zeroed whole.
 */
final class ZeroFill {

    private ZeroFill() {
    }

    /** Zeroes {@code length} bytes of {@code device} from {@code offset} as described. */
    static CompletableFuture<Void> zero(BlockDevice device, long offset, long length) {
        if (length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        long end = offset + length;
        return device.allocation(offset, length).handle((extents, err) -> {
            if (err != null || extents == null || extents.isEmpty() || extents.get(0).offset() != offset) {
                return device.writeZeroes(offset, length, false);
            }
            List<CompletableFuture<Void>> ops = new ArrayList<>();
            long covered = offset;
            for (Extent e : extents) {
                long from = Math.max(e.offset(), covered);
                long to = Math.min(e.end(), end);
                if (to <= from) {
                    continue;
                }
                if (e.allocated() && !e.zero()) {
                    ops.add(device.writeZeroes(from, to - from, false));
                }
                covered = to;
            }
            if (covered == offset) {   // no progress: do not loop on a device that reports nothing useful
                return device.writeZeroes(offset, length, false);
            }
            ops.add(zero(device, covered, end - covered));
            return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new));
        }).thenCompose(f -> f);
    }
}
