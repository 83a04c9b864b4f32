package dev.ferry.daemon.mirror;

/**
 * What a mirror job was asked to do: a resync of LV {@code lv} of VG {@code vg} (only its LE {@code le} if given) or
 * of the LEs with a copy on PV {@code pv}, where {@code force} resyncs every copy but one, not only the stale ones; or
 * a migratepp of LE {@code le} of {@code lv}, its copy at {@code source} going to {@code destination} (both
 * {@code PV:PE}).
 */
public record ResyncRequest(String vg, String lv, Long le, String pv, boolean force, String source,
                            String destination) {

    /** A resync request. */
    public ResyncRequest(String vg, String lv, Long le, String pv, boolean force) {
        this(vg, lv, le, pv, force, null, null);
    }

    /** A migratepp request. */
    static ResyncRequest migratepp(String vg, String lv, long le, String source, String destination) {
        return new ResyncRequest(vg, lv, le, null, false, source, destination);
    }

    /** The AIX verb: {@code migratepp}, {@code resynclp}, {@code resynclv} or {@code resyncpv}. */
    public String verb() {
        return source != null ? "migratepp" : pv != null ? "resyncpv" : le != null ? "resynclp" : "resynclv";
    }

    /** What is worked on, for people: {@code vg/lv}, {@code vg/lv LE n} or {@code vg PV}. */
    public String target() {
        return pv != null ? vg + " " + pv : vg + "/" + lv + (le != null ? " LE " + le : "");
    }
}
