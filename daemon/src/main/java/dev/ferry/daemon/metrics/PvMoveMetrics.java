package dev.ferry.daemon.metrics;

import dev.ferry.daemon.pvmove.JobState;
import dev.ferry.daemon.pvmove.MoveListener;
import dev.ferry.daemon.pvmove.MoveProgress;
import dev.ferry.daemon.pvmove.MoveStatus;
import dev.ferry.daemon.pvmove.PvMoveService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The meters of each running pvmove (tags {@code vg} and {@code lv}, the pvmove LV such as {@code pvmove0}), read
 * from {@link PvMoveService#status} at scrape time and removed when the move ends: {@code ferry_pvmove_bytes_copied},
 * {@code ferry_pvmove_bytes_transferred} (what its copies wrote onto destinations, a resumed copy's delta),
 * {@code ferry_pvmove_bytes_remaining}, {@code ferry_pvmove_rate_bytes_per_second},
 * {@code ferry_pvmove_eta_seconds} (NaN while unknown), {@code ferry_pvmove_throttled} (1 while the copy yields to
 * foreground I/O) and {@code ferry_pvmove_rate_limit_bytes_per_second} (0 = none); and
 * {@code ferry_pvmove_completed_total{outcome}} (succeeded, aborted or failed) over every move.
 */
public final class PvMoveMetrics implements MoveListener {
    private final MeterRegistry registry;
    private final PvMoveService moves;
    private final Map<Long, List<Meter>> meters = new ConcurrentHashMap<>();
    private final Map<JobState, Counter> completed = new ConcurrentHashMap<>();

    private PvMoveMetrics(MeterRegistry registry, PvMoveService moves) {
        this.registry = registry;
        this.moves = moves;
        completed.put(JobState.COMPLETED, completedCounter("succeeded"));
        completed.put(JobState.ABORTED, completedCounter("aborted"));
        completed.put(JobState.FAILED, completedCounter("failed"));
    }

    /** Meters in {@code registry} for the moves of {@code moves}, running now and from now on. */
    public static void bind(MeterRegistry registry, PvMoveService moves) {
        moves.addListener(new PvMoveMetrics(registry, moves));
    }

    private Counter completedCounter(String outcome) {
        return Counter.builder("ferry.pvmove.completed").tag("outcome", outcome)
                .description("pvmoves ended, by outcome").register(registry);
    }

    @Override
    public void started(long id, String vg, String lv) {
        Tags tags = Tags.of("vg", vg, "lv", lv);
        List<Meter> list = new ArrayList<>();
        list.add(gauge("ferry.pvmove.bytes.copied", id, tags, "Bytes of a running pvmove copied so far",
                s -> s.progress().copiedBytes()));
        list.add(gauge("ferry.pvmove.bytes.transferred", id, tags, "Bytes a running pvmove's copies wrote onto its "
                + "destinations since its job started", s -> s.progress().transferredBytes()));
        list.add(gauge("ferry.pvmove.bytes.remaining", id, tags, "Bytes a running pvmove has left to copy",
                s -> s.progress().totalBytes() - s.progress().copiedBytes()));
        list.add(gauge("ferry.pvmove.rate.bytes.per.second", id, tags,
                "Copy rate of a running pvmove since it (re)started", s -> s.progress().mibPerSecond() * (1 << 20)));
        list.add(gauge("ferry.pvmove.eta.seconds", id, tags, "Seconds a running pvmove needs at its rate (NaN if "
                + "unknown)", s -> eta(s.progress())));
        list.add(gauge("ferry.pvmove.throttled", id, tags, "1 while a running pvmove's copy yields to foreground I/O",
                s -> s.throttled() ? 1 : 0));
        list.add(gauge("ferry.pvmove.rate.limit.bytes.per.second", id, tags, "Copy rate limit of a running pvmove "
                + "in force (0 = none)", MoveStatus::rateLimit));
        meters.put(id, list);
    }

    private Meter gauge(String name, long id, Tags tags, String description, ToDoubleFunction<MoveStatus> value) {
        return Gauge.builder(name, moves, m -> m.status(id).map(value::applyAsDouble).orElse(Double.NaN))
                .tags(tags).description(description).strongReference(true).register(registry);
    }

    private static double eta(MoveProgress p) {
        return p.etaSeconds() == null ? Double.NaN : p.etaSeconds();
    }

    @Override
    public void ended(long id, String vg, String lv, JobState state) {
        List<Meter> gone = meters.remove(id);
        if (gone != null) {
            gone.forEach(registry::remove);
        }
        Counter c = completed.get(state);
        if (c != null) {
            c.increment();
        }
    }
}
