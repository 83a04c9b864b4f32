package dev.ferry.daemon.activation;

/**
 * Told when a mirrored LV's device comes and goes (a port: the wiring layer keeps per-LV meters with it). Called
 * with the activator's lock held: implementations must not call back into the activator's synchronized methods.
 */
public interface MirrorWatch {

    /** Nobody watches. */
    MirrorWatch NONE = new MirrorWatch() {
        @Override
        public void activated(String vg, String lv) {
        }

        @Override
        public void deactivated(String vg, String lv) {
        }
    };

    /** Mirrored LV {@code vg/lv} is active. */
    void activated(String vg, String lv);

    /** Mirrored LV {@code vg/lv} is no longer active under that name. */
    void deactivated(String vg, String lv);
}
