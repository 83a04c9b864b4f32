package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;

/**
 * A migratepp that moved the copy: LE {@code le} of LV {@code lv} now has {@code copies} copies, one at
 * {@code destination}; {@code warning} is {@link ErrorCode#RESYNC_FAILED} when the new copy is stale, else null.
 */
public record MigrateResult(String vg, String lv, long le, String source, String destination, int copies,
                           ErrorCode warning) {

    /** {@code SUCCESS}, or the warning's name. */
    public String outcome() {
        return warning == null ? "SUCCESS" : warning.name();
    }
}
