package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Segment arithmetic: appending allocated chunks (merging physically contiguous pieces) and truncating. */
public final class LvLayout {
    private LvLayout() {
    }

    /** The segment kind being built: type, stripe size and region size. */
    record Shape(SegmentType type, int parallel, long stripeSize, long regionSize) {
        static Shape of(Segment s) {
            return new Shape(s.type(), s.areas().size(), s.stripeSize(), s.regionSize());
        }

        /** LV extents covered by {@code perArea} PEs in each area. */
        long extentsFor(long perArea) {
            return type == SegmentType.STRIPED ? perArea * parallel : perArea;
        }
    }

    /** {@code existing} followed by one segment per chunk, each merged into its predecessor when contiguous. */
    static List<Segment> append(List<Segment> existing, List<AllocatedChunk> chunks, Shape shape) {
        List<Segment> out = new ArrayList<>(existing);
        long le = out.isEmpty() ? 0 : out.get(out.size() - 1).endLe();
        for (AllocatedChunk chunk : chunks) {
            long count = shape.extentsFor(chunk.length());
            Segment next = new Segment(le, count, shape.type(), shape.stripeSize(), shape.regionSize(), chunk.areas());
            le += count;
            Segment last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && continues(last, next)) {
                out.set(out.size() - 1, last.reshaped(last.startLe(), last.extentCount() + count, last.areas()));
            } else {
                out.add(next);
            }
        }
        return out;
    }

    /** {@code segments} with physically contiguous neighbours merged. */
    public static List<Segment> merge(List<Segment> segments) {
        List<Segment> out = new ArrayList<>();
        for (Segment next : segments) {
            Segment last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && continues(last, next)) {
                out.set(out.size() - 1, last.reshaped(last.startLe(), last.extentCount() + next.extentCount(),
                        last.areas()));
            } else {
                out.add(next);
            }
        }
        return out;
    }

    private static boolean continues(Segment a, Segment b) {
        if (a.type() != b.type() || a.stripeSize() != b.stripeSize() || a.regionSize() != b.regionSize()
                || a.areas().size() != b.areas().size() || a.moveState() != b.moveState()) {
            return false;
        }
        for (int i = 0; i < a.areas().size(); i++) {
            Area x = a.areas().get(i);
            Area y = b.areas().get(i);
            if (!Objects.equals(x.pv(), y.pv()) || !Objects.equals(x.lv(), y.lv()) || x.stale() != y.stale()
                    || x.startPe() + a.areaLength() != y.startPe()) {
                return false;
            }
        }
        return true;
    }

    /** The first {@code extents} LEs of {@code segments}; a cut striped segment must stay a stripe multiple. */
    static List<Segment> truncate(List<Segment> segments, long extents) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : segments) {
            if (s.endLe() <= extents) {
                out.add(s);
            } else if (s.startLe() < extents) {
                out.add(s.reshaped(s.startLe(), extents - s.startLe(), s.areas()));
            }
        }
        return out;
    }
}
