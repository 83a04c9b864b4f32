package dev.ferry.nbd.server;

import dev.ferry.nbd.export.BlockStatusExtent;
import java.util.ArrayList;
import java.util.List;

/**
 * Shapes an export's block status answer for the wire: trims it to the requested range, merges
 * neighbours with equal flags, keeps one extent for REQ_ONE and caps the extent count.
 */
final class BlockStatusShaper {

    /** Most extents sent in one chunk (the spec allows up to 2^20; clients then ask again). */
    static final int MAX_EXTENTS = 16384;

    private BlockStatusShaper() {
    }

    /**
     * The extents to send for a request of {@code length} bytes. The input extents start at the
     * request offset; the result is non-empty if the input is, and never extends past {@code length}.
     */
    static List<BlockStatusExtent> shape(List<BlockStatusExtent> extents, long length, boolean reqOne) {
        List<BlockStatusExtent> out = new ArrayList<>();
        long covered = 0;
        for (BlockStatusExtent e : extents) {
            if (covered >= length) {
                break;
            }
            long len = Math.min(e.length(), length - covered);
            covered += len;
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).flags() == e.flags()) {
                out.set(last, new BlockStatusExtent(out.get(last).length() + len, e.flags()));
            } else {
                if (out.size() == MAX_EXTENTS) {
                    break;
                }
                out.add(new BlockStatusExtent(len, e.flags()));
            }
        }
        return reqOne && out.size() > 1 ? List.of(out.get(0)) : out;
    }
}
