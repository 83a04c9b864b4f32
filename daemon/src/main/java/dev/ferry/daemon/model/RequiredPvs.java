package dev.ferry.daemon.model;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The PVs a VG commit must reach before any other PV takes it: the ones the commit makes authoritative (as the
 * destinations a pvmove switches segments to). The commit writes and syncs them first; if one of them cannot take it
 * (missing, lost, flagged missing, or its write or sync fails) no other PV is written and the commit throws
 * {@link ErrorCode#PV_MISSED_COMMIT}.
 */
public record RequiredPvs(Set<UUID> pvs) {
    /** No PV is required first: the commit writes every PV in the VG's order and goes on without a failing one. */
    public static final RequiredPvs NONE = new RequiredPvs(Set.of());

    /** Keeps the PVs in their given order (the order they are written in). */
    public RequiredPvs {
        pvs = Collections.unmodifiableSet(new LinkedHashSet<>(pvs));
    }

    /** The PVs {@code pvs}, in that order. */
    public static RequiredPvs of(Collection<UUID> pvs) {
        return new RequiredPvs(new LinkedHashSet<>(pvs));
    }
}
