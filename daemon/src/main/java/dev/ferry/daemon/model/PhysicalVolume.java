package dev.ferry.daemon.model;

import java.util.UUID;

/** A PV as a member of a VG: identity, the device path it was last seen at, and its extent geometry. */
public record PhysicalVolume(UUID uuid, String name, long deviceSize, long peStart, long peCount) {
    /** Validates the geometry. */
    public PhysicalVolume {
        if (uuid == null || name == null || peStart < 0 || peCount < 0 || deviceSize < peStart) {
            throw new IllegalArgumentException("bad PV " + name + " size " + deviceSize + " pe_start " + peStart);
        }
    }

    /** The same PV seen at another path. */
    public PhysicalVolume withName(String newName) {
        return new PhysicalVolume(uuid, newName, deviceSize, peStart, peCount);
    }
}
