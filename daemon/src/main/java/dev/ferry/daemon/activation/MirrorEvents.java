package dev.ferry.daemon.activation;

import dev.ferry.mapper.mirror.LegFailure;
import dev.ferry.mapper.mirror.MirrorListener;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the events of mirrored LVs' mirror targets into {@link StaleCopies} calls in LV terms: a mirror is known by
 * its first leg's image device, registered when the LV's tables are built, and a region becomes the LEs it covers.
 * Mirrors of other devices (pvmove's) have no owner and are only logged.
 */
final class MirrorEvents implements MirrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorEvents.class);

    /** A mirrored LV, its extent size and its length in extents. */
    record Owner(String vg, String lv, long extentSize, long extents) {
    }

    private final Map<String, Owner> byFirstImage = new ConcurrentHashMap<>();
    private volatile StaleCopies sink = StaleCopies.NONE;

    /** Sends marks to {@code copies} from now on. */
    void recordTo(StaleCopies copies) {
        this.sink = copies;
    }

    /** Registers the owner of the mirror whose first leg is image device {@code firstImage}. */
    void register(String firstImage, Owner owner) {
        byFirstImage.put(firstImage, owner);
    }

    /** Forgets the mirror whose first leg is {@code firstImage}. */
    void unregister(String firstImage) {
        byFirstImage.remove(firstImage);
    }

    @Override
    public void legFailed(MirrorTarget mirror, LegFailure failure) {
        LOG.warn("mirror over {}: leg {} ({}) {} failure at {}", owner(mirror), failure.leg(), failure.device(),
                failure.error(), failure.offset());
    }

    @Override
    public void regionInSync(MirrorTarget mirror, int region) {
        Owner o = owner(mirror);
        if (o != null && mirror.keepServing()) {
            sink.resynced(o.vg(), o.lv());
        }
    }

    @Override
    public void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
        Owner o = owner(mirror);
        if (o != null) {
            LOG.info("mirrored LV {}/{}: resync ended {} ({}/{} regions){}", o.vg(), o.lv(), outcome.status(),
                    outcome.regionsInSync(), outcome.regionCount(), outcome.reason() == null ? ""
                            : ": " + outcome.reason());
            sink.resynced(o.vg(), o.lv());
        }
    }

    @Override
    public CompletableFuture<Void> copyStale(MirrorTarget mirror, int leg, int region) {
        Owner o = owner(mirror);
        if (o == null) {
            return MirrorListener.super.copyStale(mirror, leg, region);
        }
        long from = region * mirror.regionSize() / o.extentSize();
        long to = Math.min(o.extents(), ((region + 1) * mirror.regionSize() + o.extentSize() - 1) / o.extentSize());
        return sink.markStale(o.vg(), o.lv(), leg, from, to);
    }

    @Override
    public CompletableFuture<Void> legStale(MirrorTarget mirror, int leg) {
        Owner o = owner(mirror);
        if (o == null) {
            return MirrorListener.super.legStale(mirror, leg);
        }
        return sink.markStale(o.vg(), o.lv(), leg, 0, o.extents());
    }

    private Owner owner(MirrorTarget mirror) {
        return mirror.legCount() == 0 ? null : byFirstImage.get(mirror.legName(0));
    }
}
