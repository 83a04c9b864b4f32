package dev.ferry.daemon.metadata;

import java.util.List;
import java.util.UUID;

/** The newest verified copy of one VG's document found on a set of PVs, and the PVs holding it. */
public record VgCopy(UUID vgUuid, long seqno, byte[] document, List<PvDisk> holders) {
}
