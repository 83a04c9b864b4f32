package dev.ferry.daemon.model;

import java.util.UUID;

/** A PV as the manager sees it: path, label geometry, VG membership ({@code vgName} null for orphans). */
public record PvInfo(String path, UUID uuid, long deviceSize, long peStart, String vgName, boolean missing) {
}
