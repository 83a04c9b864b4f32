package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.control.ControlJson;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How the commands that follow a background copy job (pvmove, migratepp, the resync verbs) report it while it runs:
 * a bar redrawn every second on a terminal, a plain line every interval otherwise, or with
 * {@code --reportformat json} one JSON document per line (the job's progress, then its end). The first report comes
 * with the first poll, within a second.
 */
final class ProgressLines {
    /** Clears the rest of a terminal line. */
    static final String CLEAR = "\033[K";
    /** The shortest pause between polls, so {@code -i 0} still polls gently. */
    static final long MIN_PAUSE_MILLIS = 200;
    /** The longest pause between polls. */
    static final long MAX_POLL_MILLIS = 1000;
    /** How often a terminal's bar is redrawn. */
    static final long TTY_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Cells of the bar. */
    static final int BAR_WIDTH = 20;

    private static final ObjectMapper COMPACT = ControlJson.newMapper();

    private final PrintWriter out;
    private final boolean tty;
    private final boolean json;
    private final long everyNanos;
    private long lastNanos;
    private boolean drawn;
    private boolean any;

    /**
     * Reports to {@code out}: on a terminal ({@code tty}) as a bar, as JSON lines with {@code json}; a running job every
     * {@code intervalSeconds} (every second on a terminal), never with 0.
     */
    ProgressLines(PrintWriter out, boolean tty, boolean json, int intervalSeconds) {
        this.out = out;
        this.tty = tty && !json;
        this.json = json;
        this.everyNanos = intervalSeconds <= 0 ? -1
                : this.tty ? TTY_REFRESH_NANOS : TimeUnit.SECONDS.toNanos(intervalSeconds);
    }

    /** Whether output goes to a terminal. */
    static boolean tty() {
        return System.console() != null;
    }

    /** Reports running job {@code job} (named {@code head}, doing {@code verb}) if a report is due at {@code now}. */
    void running(String head, String verb, JsonNode job, long now) {
        if (everyNanos < 0 || any && now - lastNanos < everyNanos) {
            return;
        }
        any = true;
        lastNanos = now;
        if (json) {
            jsonLine(job);
        } else if (tty) {
            out.print("\r" + bar(head, verb, job) + CLEAR);
            drawn = true;
        } else {
            out.println(line(head, verb, job));
        }
        out.flush();
    }

    /** Ends a drawn bar so the next output starts on a clean line. */
    void end() {
        if (drawn) {
            out.print("\r" + CLEAR);
            out.flush();
            drawn = false;
        }
    }

    /** Prints {@code value} as one compact JSON line. */
    void jsonLine(Object value) {
        try {
            out.println(COMPACT.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
        out.flush();
    }

    /** {@code HEAD: VERB: 42.5% 12.3 MiB/s ETA 00:01:05} from a job's {@code percent}, rate and ETA. */
    static String line(String head, String verb, JsonNode job) {
        return head + ": " + verb + ": " + String.format(Locale.ROOT, "%.1f%%", job.path("percent").asDouble())
                + String.format(Locale.ROOT, " %.1f MiB/s", job.path("mib_per_second").asDouble()) + eta(job);
    }

    /** {@code HEAD: VERB [#########-----------]  45.0%  115.2/256.0 MiB  12.3 MiB/s ETA 00:00:11}. */
    static String bar(String head, String verb, JsonNode job) {
        double percent = Math.max(0, Math.min(100, job.path("percent").asDouble()));
        int full = (int) Math.round(percent / 100 * BAR_WIDTH);
        return head + ": " + verb + " [" + "#".repeat(full) + "-".repeat(BAR_WIDTH - full) + "] "
                + String.format(Locale.ROOT, "%5.1f%%  %.1f/%.1f MiB  %.1f MiB/s", percent,
                        job.path("copied_bytes").asDouble() / (1 << 20), job.path("total_bytes").asDouble() / (1 << 20),
                        job.path("mib_per_second").asDouble()) + eta(job);
    }

    /**
     * What a job that ended short did, for its last line: {@code 28.0/64.0 MiB (43.8%)} from its {@code copied_bytes},
     * {@code total_bytes} and {@code percent}.
     */
    static String copied(JsonNode job) {
        return String.format(Locale.ROOT, "%.1f/%.1f MiB (%.1f%%)", job.path("copied_bytes").asDouble() / (1 << 20),
                job.path("total_bytes").asDouble() / (1 << 20), job.path("percent").asDouble());
    }

    private static String eta(JsonNode job) {
        JsonNode eta = job.path("eta_seconds");
        if (!eta.isNumber()) {
            return "";
        }
        long s = eta.asLong();
        return String.format(Locale.ROOT, " ETA %02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /**
     * The pause before the poll after one of {@code pause} ms: doubling from {@link #MIN_PAUSE_MILLIS} up to a second,
     * or up to the interval when that is shorter, so a short job ends promptly and a long one is polled once a second.
     */
    static long nextPause(long pause, int intervalSeconds) {
        return Math.max(MIN_PAUSE_MILLIS, Math.min(2 * pause, Math.min(MAX_POLL_MILLIS, intervalSeconds * 1000L)));
    }

    /** Waits {@code millis}, at least {@link #MIN_PAUSE_MILLIS}. */
    static void pause(long millis) {
        try {
            Thread.sleep(Math.max(MIN_PAUSE_MILLIS, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
