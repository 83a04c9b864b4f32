package dev.ferry.daemon.operations;

/** Told, after the commit, when an LV's name stops naming it: the LV was renamed, or removed (alone or with its VG). */
public interface LvNameWatcher {

    /** A watcher that does nothing. */
    LvNameWatcher NONE = new LvNameWatcher() {
        @Override
        public void renamed(String vg, String from, String to) {
        }

        @Override
        public void removed(String vg, String lv) {
        }
    };

    /** LV {@code from} of {@code vg} is now called {@code to}. */
    void renamed(String vg, String from, String to);

    /** LV {@code lv} of {@code vg} is gone. */
    void removed(String vg, String lv);
}
