package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * What the commands that follow a background copy job (pvmove, the resync verbs) share: the progress line, printed
 * over itself on a terminal, and the pause between polls.
 */
final class ProgressLines {
    /** Clears the rest of a terminal line. */
    static final String CLEAR = "\033[K";
    /** The shortest pause between polls, so {@code -i 0} still polls gently. */
    static final long MIN_PAUSE_MILLIS = 200;

    private ProgressLines() {
    }

    /** {@code HEAD: VERB: 42.5% 12.3 MiB/s ETA 00:01:05} from a job's {@code percent}, rate and ETA. */
    static String line(String head, String verb, JsonNode job) {
        StringBuilder b = new StringBuilder().append(head).append(": ").append(verb).append(": ")
                .append(String.format(Locale.ROOT, "%.1f%%", job.path("percent").asDouble()))
                .append(String.format(Locale.ROOT, " %.1f MiB/s", job.path("mib_per_second").asDouble()));
        JsonNode eta = job.path("eta_seconds");
        if (eta.isNumber()) {
            long s = eta.asLong();
            b.append(String.format(Locale.ROOT, " ETA %02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60));
        }
        return b.toString();
    }

    /** Whether output goes to a terminal (progress lines then overwrite each other). */
    static boolean tty() {
        return System.console() != null;
    }

    /** Prints a progress line: ending in a carriage return on a terminal, else in a newline. */
    static void print(PrintWriter out, String line, boolean tty) {
        out.print(line + (tty ? "\r" : System.lineSeparator()));
        out.flush();
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
