package dev.ferry.mapper.targets;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Ferry fault-injection rule of the {@code flakey} target: operations of one kind that touch a sector
 * range pass normally {@code after} times, then every further one is failed, dropped or hung. Written
 * in a flakey feature list as {@code fault <r|w|rw> <error|drop|hang> <start_sector> <num_sectors>
 * <after>} (six words; sectors relative to the target start). Writes include discards and zeroing.
 */
public final class FaultRule {

    /** Feature keyword. */
    public static final String KEYWORD = "fault";

    /** Words a rule takes in a feature list, keyword included. */
    public static final int WORDS = 6;

    /** Which operations a rule matches. */
    public enum Ops {
        /** Reads. */
        R,
        /** Writes, discards and zeroing. */
        W,
        /** Both. */
        RW
    }

    /** What happens to a matching operation once the rule fires. */
    public enum Action {
        /** Fails with an I/O error. */
        ERROR,
        /** Completes successfully without touching the device (reads return zeroes). */
        DROP,
        /** Never completes until the target is closed (then fails as shut down). */
        HANG
    }

    private final Ops ops;
    private final Action action;
    private final long startSector;
    private final long sectors;
    private final long after;
    private final long start;
    private final long end;
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong fired = new AtomicLong();

    /** Creates a rule; see the class javadoc for the meaning of each field. */
    public FaultRule(Ops ops, Action action, long startSector, long sectors, long after) {
        this.ops = ops;
        this.action = action;
        this.startSector = startSector;
        this.sectors = sectors;
        this.after = after;
        this.start = startSector * TargetArgs.SECTOR;
        this.end = start + sectors * TargetArgs.SECTOR;
    }

    /** Parses the six words starting at {@code i} (the keyword) of a feature list. */
    static FaultRule parse(List<String> words, int i, long lengthSectors) {
        if (i + WORDS > words.size()) {
            throw new IllegalArgumentException("flakey: fault needs <r|w|rw> <error|drop|hang> <start_sector>"
                    + " <num_sectors> <after>, got " + (words.size() - i - 1) + " words");
        }
        Ops ops = switch (words.get(i + 1)) {
            case "r" -> Ops.R;
            case "w" -> Ops.W;
            case "rw" -> Ops.RW;
            default -> throw new IllegalArgumentException("flakey: fault operations '" + words.get(i + 1)
                    + "' is not r, w or rw");
        };
        Action action = switch (words.get(i + 2)) {
            case "error" -> Action.ERROR;
            case "drop" -> Action.DROP;
            case "hang" -> Action.HANG;
            default -> throw new IllegalArgumentException("flakey: fault action '" + words.get(i + 2)
                    + "' is not error, drop or hang");
        };
        long first = TargetArgs.parse(words.get(i + 3), "flakey: fault start sector", 0, lengthSectors - 1);
        long n = TargetArgs.parse(words.get(i + 4), "flakey: fault sector count", 1, lengthSectors - first);
        long after = TargetArgs.parse(words.get(i + 5), "flakey: fault after count", 0, Long.MAX_VALUE);
        return new FaultRule(ops, action, first, n, after);
    }

    /**
     * Counts an operation of {@code length} bytes at {@code offset} if this rule matches it, and says
     * whether the rule fires for it.
     */
    boolean fires(boolean write, long offset, long length) {
        if ((write ? ops == Ops.R : ops == Ops.W) || offset >= end || offset + length <= start) {
            return false;
        }
        if (matched.incrementAndGet() <= after) {
            return false;
        }
        fired.incrementAndGet();
        return true;
    }

    /** The rule's action. */
    public Action action() {
        return action;
    }

    /** The words of the rule as written in a table, keyword first. */
    public String params() {
        return KEYWORD + " " + ops.name().toLowerCase(Locale.ROOT) + " " + action.name().toLowerCase(Locale.ROOT)
                + " " + startSector + " " + sectors + " " + after;
    }

    /** Status: {@code <ops>:<action>:<start>+<sectors>:after=<n>:matched=<m>:fired=<f>}. */
    public String status() {
        return ops.name().toLowerCase(Locale.ROOT) + ":" + action.name().toLowerCase(Locale.ROOT) + ":" + startSector
                + "+" + sectors + ":after=" + after + ":matched=" + matched.get() + ":fired=" + fired.get();
    }
}
