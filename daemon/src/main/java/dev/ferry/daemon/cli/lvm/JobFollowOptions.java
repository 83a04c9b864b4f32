package dev.ferry.daemon.cli.lvm;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * The {@code -b} and {@code -i} options of the commands that start a background copy job and follow it (pvmove,
 * migratepp, the resync verbs), as a picocli mixin, with the progress reporting they set up.
 */
final class JobFollowOptions {
    @Option(names = {"-b", "--background"}, description = "Start and return at once.")
    boolean background;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS", defaultValue = "15",
            description = "Progress interval in seconds when not on a terminal, where a bar is redrawn every second "
                + "(0: print only the end; default 15).")
    int interval;

    /** Progress reporting to {@code out} at the chosen interval ({@code json}: one JSON line per report). */
    ProgressLines progressLines(PrintWriter out, boolean json) {
        return new ProgressLines(out, ProgressLines.tty(), json, interval);
    }

    /** The pause before the next poll after one of {@code pause} milliseconds ({@link ProgressLines#nextPause}). */
    long nextPause(long pause) {
        return ProgressLines.nextPause(pause, interval);
    }
}
