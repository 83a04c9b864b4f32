package dev.ferry.daemon.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Who may use the control socket besides root and the daemon's user, and where PV and table paths may point.
 *
 * @param controlGroup members of this group may use the control socket ({@code --control-group}; the socket is then
 *                     published 0660 with this group)
 * @param allowPaths   directories PV and device-mapper table paths may lie under besides the data directory and
 *                     block devices under /dev ({@code --allow-path}), absolute
 */
public record AccessSettings(Optional<ControlGroup> controlGroup, List<Path> allowPaths) {
    /** No control group, nothing allowed beyond the defaults. */
    public static final AccessSettings DEFAULT = new AccessSettings(Optional.empty(), List.of());

    /** Copies and validates. */
    public AccessSettings {
        allowPaths = List.copyOf(allowPaths);
        for (Path p : allowPaths) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("allowed path must be absolute: " + p);
            }
        }
    }

    /**
     * A group by name and id.
     *
     * @param name the group's name as configured
     * @param gid  its id
     */
    public record ControlGroup(String name, int gid) {
    }
}
