package dev.ferry.daemon.metrics;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.server.NbdTrafficObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The NBD server's meters per export (tag {@code export}), fed by the server as an {@link NbdTrafficObserver}:
 * {@code ferry_nbd_requests_total{op,outcome}}, {@code ferry_nbd_bytes_total{op}} (lengths of successful requests),
 * {@code ferry_nbd_request_seconds{op}} (a histogram, from reading a request to writing its reply),
 * {@code ferry_nbd_inflight_requests} and {@code ferry_nbd_connections}. An export's meters are created at its
 * first connection and kept (its counters keep counting if it comes back); requests of unknown commands are not
 * counted.
 */
public final class NbdMetrics implements NbdTrafficObserver {
    /** The {@code op} tag of each command type, indexed by the NBD command value; null for DISC and unknown ones. */
    private static final String[] OPS = new String[NBD_CMD_BLOCK_STATUS + 1];
    /** The NBD error values with a pre-resolved counter slot (slot 0 is success). */
    private static final int[] ERRORS = {0, NBD_EPERM, NBD_EIO, NBD_ENOMEM, NBD_EINVAL, NBD_ENOSPC, NBD_EOVERFLOW,
        NBD_ENOTSUP, NBD_ESHUTDOWN};
    /** Latency histogram bucket bounds: 50 µs to 10 s. */
    private static final Duration[] BUCKETS = {Duration.ofNanos(50_000), Duration.ofNanos(100_000),
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    static {
        OPS[NBD_CMD_READ] = "read";
        OPS[NBD_CMD_WRITE] = "write";
        OPS[NBD_CMD_FLUSH] = "flush";
        OPS[NBD_CMD_TRIM] = "trim";
        OPS[NBD_CMD_CACHE] = "cache";
        OPS[NBD_CMD_WRITE_ZEROES] = "write_zeroes";
        OPS[NBD_CMD_BLOCK_STATUS] = "block_status";
    }

    private final MeterRegistry registry;
    private final Map<String, ExportMeters> exports = new ConcurrentHashMap<>();

    /** Meters in {@code registry}; pass this to {@code NbdServer.Builder.observer}. */
    public NbdMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Connection connectionOpened(String exportName) {
        ExportMeters meters = exports.computeIfAbsent(exportName, ExportMeters::new);
        meters.connections.incrementAndGet();
        return new ConnectionMeters(meters);
    }

    /** The {@code op} tag of NBD command {@code command}, or null if it is not counted. */
    static String op(int command) {
        return command >= 0 && command < OPS.length ? OPS[command] : null;
    }

    /** One export's meters, resolved once: counters, byte counters and timers by op, success counted apart. */
    private final class ExportMeters {
        private final Tags tags;
        private final Counter[][] requests = new Counter[OPS.length][ERRORS.length];
        private final Counter[] bytes = new Counter[OPS.length];
        private final Timer[] latency = new Timer[OPS.length];
        private final AtomicLong inflight = new AtomicLong();
        private final AtomicLong connections = new AtomicLong();

        ExportMeters(String export) {
            tags = Tags.of("export", export);
            for (int c = 0; c < OPS.length; c++) {
                if (OPS[c] == null) {
                    continue;
                }
                Tags op = tags.and("op", OPS[c]);
                requests[c][0] = requestCounter(op, 0);
                bytes[c] = Counter.builder("ferry.nbd.bytes").tags(op)
                        .description("Bytes covered by successful NBD requests (data moved for read and write)")
                        .register(registry);
                latency[c] = Timer.builder("ferry.nbd.request").tags(op).serviceLevelObjectives(BUCKETS)
                        .description("Time from reading an NBD request to writing the last byte of its reply")
                        .register(registry);
            }
            Gauge.builder("ferry.nbd.inflight.requests", inflight, AtomicLong::get).tags(tags)
                    .description("NBD requests read and not yet answered").register(registry);
            Gauge.builder("ferry.nbd.connections", connections, AtomicLong::get).tags(tags)
                    .description("Open NBD connections in transmission").register(registry);
        }

        private Counter requestCounter(Tags op, int nbdError) {
            return Counter.builder("ferry.nbd.requests").tags(op)
                    .tag("outcome", nbdError == 0 ? "ok" : NbdNames.error(nbdError))
                    .description("NBD requests answered, by outcome (ok or the NBD error replied)")
                    .register(registry);
        }

        void completed(int command, long length, int nbdError, long nanos) {
            int slot = slot(nbdError);
            Counter counter = slot < 0 ? null : requests[command][slot];
            if (counter == null) {   // first error of this kind (or an error without a slot): registry lookup
                counter = requestCounter(tags.and("op", OPS[command]), nbdError);
                if (slot > 0) {
                    requests[command][slot] = counter;
                }
            }
            counter.increment();
            if (nbdError == 0) {
                bytes[command].increment(length);
            }
            latency[command].record(nanos, TimeUnit.NANOSECONDS);
        }

        private static int slot(int nbdError) {
            for (int i = 0; i < ERRORS.length; i++) {
                if (ERRORS[i] == nbdError) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * One connection: its requests in flight (counted on its event loop), given back to the export's gauge when it
     * closes, so requests never answered do not stay counted.
     */
    private static final class ConnectionMeters implements Connection {
        private final ExportMeters meters;
        private long inflight;
        private boolean closed;

        ConnectionMeters(ExportMeters meters) {
            this.meters = meters;
        }

        @Override
        public void requestStarted(int command) {
            if (op(command) != null && !closed) {
                inflight++;
                meters.inflight.incrementAndGet();
            }
        }

        @Override
        public void requestCompleted(int command, long bytes, int nbdError, long nanos) {
            if (op(command) == null) {
                return;
            }
            meters.completed(command, bytes, nbdError, nanos);
            if (!closed) {
                inflight--;
                meters.inflight.decrementAndGet();
            }
        }

        @Override
        public void closed() {
            if (!closed) {
                closed = true;
                meters.inflight.addAndGet(-inflight);
                meters.connections.decrementAndGet();
            }
        }
    }
}
