package dev.ferry.daemon.mirror;

/**
 * What a resync was asked to do: LV {@code lv} of VG {@code vg} (only its LE {@code le} if given) or the LEs with a
 * copy on PV {@code pv}; {@code force} resyncs every copy but one, not only the stale ones.
 */
public record ResyncRequest(String vg, String lv, Long le, String pv, boolean force) {

    /** The AIX verb: {@code resynclp}, {@code resynclv} or {@code resyncpv}. */
    public String verb() {
        return pv != null ? "resyncpv" : le != null ? "resynclp" : "resynclv";
    }

    /** What is resynced, for people: {@code vg/lv}, {@code vg/lv LE n} or {@code vg PV}. */
    public String target() {
        return pv != null ? vg + " " + pv : vg + "/" + lv + (le != null ? " LE " + le : "");
    }
}
