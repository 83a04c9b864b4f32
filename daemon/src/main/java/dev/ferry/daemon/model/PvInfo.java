package dev.ferry.daemon.model;

import java.util.UUID;

/**
 * A PV as the manager sees it: path (or a remote PV's URI), label geometry, VG membership ({@code vgName} null for
 * orphans), and for a remote PV its connection health ({@link RemoteHealth#toString}; "" for a local PV).
 */
public record PvInfo(String path, UUID uuid, long deviceSize, long peStart, String vgName, boolean missing,
                     String health) {
}
