package dev.ferry.daemon.cli.dm;

import dev.ferry.daemon.cli.client.Targets;

/** Request targets of the dmsetup routes. */
final class DmTarget {
    private DmTarget() {
    }

    /** {@code /v1/dm/NAME}. */
    static Targets device(String name) {
        return Targets.path("/v1/dm").segment(name);
    }
}
