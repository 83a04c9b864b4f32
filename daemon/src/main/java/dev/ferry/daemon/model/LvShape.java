package dev.ferry.daemon.model;

/** Turns lvcreate's --type/-i/-I/-m/-R options into a segment shape, applying LVM's defaults and refusals. */
final class LvShape {
    /** Default stripe size, as LVM: 64 KiB. */
    static final long DEFAULT_STRIPE_SIZE = 64 * 1024;
    /** Default mirror region size, as LVM's raid_region_size: 2 MiB. */
    static final long DEFAULT_REGION_SIZE = 2 * 1024 * 1024;
    /** Most stripes, as LVM. */
    static final int MAX_STRIPES = 128;

    private LvShape() {
    }

    static LvLayout.Shape resolve(LvCreateRequest r, long extentSize) {
        SegmentType type = r.type();
        if (type == null) {
            type = r.mirrors() > 0 ? SegmentType.MIRROR : r.stripes() > 1 ? SegmentType.STRIPED : SegmentType.LINEAR;
        }
        if (r.stripes() < 0 || r.stripes() > MAX_STRIPES) {
            throw invalid("Number of stripes (" + r.stripes() + ") must be between 1 and " + MAX_STRIPES);
        }
        switch (type) {
            case MIRROR -> {
                int mirrors = r.mirrors() < 0 ? 1 : r.mirrors();
                if (mirrors < 1 || mirrors > Segment.MAX_MIRROR_LEGS - 1) {
                    throw invalid("Mirrors (-m " + mirrors + ") must be 1 or 2 for type mirror");
                }
                if (r.stripes() > 1 || r.stripeSize() != 0) {
                    throw invalid("Striped mirrors are not supported");
                }
                long region = r.regionSize() == 0 ? DEFAULT_REGION_SIZE : r.regionSize();
                if (Long.bitCount(region) != 1 || region < 512) {
                    throw invalid("Region size " + region + " must be a power of 2 of at least 512 bytes");
                }
                return new LvLayout.Shape(SegmentType.MIRROR, mirrors + 1, 0, region);
            }
            case STRIPED -> {
                checkNoMirror(r, type);
                if (r.stripes() <= 1) {
                    if (r.stripeSize() != 0) {
                        throw invalid("Stripe size given without -i/--stripes greater than 1");
                    }
                    return linear();
                }
                long size = r.stripeSize() == 0 ? DEFAULT_STRIPE_SIZE : r.stripeSize();
                if (Long.bitCount(size) != 1 || size < 4096 || size > extentSize) {
                    throw invalid("Stripe size " + size + " must be a power of 2 between 4 KiB and the extent size "
                            + extentSize);
                }
                return new LvLayout.Shape(SegmentType.STRIPED, r.stripes(), size, 0);
            }
            default -> {
                checkNoMirror(r, type);
                if (r.stripes() > 1 || r.stripeSize() != 0) {
                    throw invalid("Type linear takes no stripes");
                }
                return linear();
            }
        }
    }

    private static LvLayout.Shape linear() {
        return new LvLayout.Shape(SegmentType.LINEAR, 1, 0, 0);
    }

    private static void checkNoMirror(LvCreateRequest r, SegmentType type) {
        if (r.mirrors() > 0 || r.regionSize() != 0 || r.mwc() != null || r.nosync() || r.mirroredLog()) {
            throw invalid("Mirror options given with --type " + type.lvmName());
        }
    }

    private static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
