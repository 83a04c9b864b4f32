package dev.ferry.daemon.model;

import java.util.UUID;

/**
 * A PV as a member of a VG: identity, the device path it was last seen at, its extent geometry, and whether it is
 * missing (its device vanished, was unlinked or replaced, or was absent at start: LVM's MISSING_PV).
 */
public record PhysicalVolume(UUID uuid, String name, long deviceSize, long peStart, long peCount, boolean missing) {
    /** Validates the geometry. */
    public PhysicalVolume {
        if (uuid == null || name == null || peStart < 0 || peCount < 0 || deviceSize < peStart) {
            throw new IllegalArgumentException("bad PV " + name + " size " + deviceSize + " pe_start " + peStart);
        }
    }

    /** A PV that is present. */
    public PhysicalVolume(UUID uuid, String name, long deviceSize, long peStart, long peCount) {
        this(uuid, name, deviceSize, peStart, peCount, false);
    }

    /** The same PV seen at another path. */
    public PhysicalVolume withName(String newName) {
        return new PhysicalVolume(uuid, newName, deviceSize, peStart, peCount, missing);
    }

    /** The same PV, missing or back. */
    public PhysicalVolume withMissing(boolean isMissing) {
        return new PhysicalVolume(uuid, name, deviceSize, peStart, peCount, isMissing);
    }
}
