package dev.ferry.daemon.model;

/** Hears of each commit of a VG's metadata (e.g. for metrics); called on the committing thread, so it must be quick. */
@FunctionalInterface
public interface CommitListener {

    /** The outcome of a commit that succeeded. */
    String OK = "ok";

    /** Hears nothing. */
    CommitListener NONE = (vg, outcome, nanos) -> { };

    /**
     * A commit of VG {@code vg} ended after {@code nanos}: {@code outcome} is {@link #OK}, the lower-case
     * {@link ErrorCode} it failed with (e.g. {@code forceoff}), or {@code error} for an unexpected failure.
     */
    void committed(String vg, String outcome, long nanos);
}
