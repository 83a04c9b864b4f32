package dev.ferry.daemon.api;

import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlException;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.policy.PathRefusedException;

/**
 * The HTTP statuses of volume and device-mapper refusals; the stable error name is kept as is.
 *
 * <pre>
 *  *_NOT_FOUND (RESYNC_NOT_FOUND too), NO_SUCH_MOVE    404
 *  *_EXISTS, *_IN_USE, *_OPEN, *_HAS_*, *_LOCKED, *_BUSY,
 *  LAST_PV, INSUFFICIENT_SPACE, DEVICE_STATE,
 *  NOTHING_TO_MOVE, ALREADY_MOVING,
 *  INVLPRED, INRESYNC, OFFLINE, FORCEOFF,
 *  BITMAP_INCONSISTENT                                 409
 *  INVALID_*, PV_TOO_SMALL, SAME_PV, OVERLAPPING_RANGES 400
 *  PATH_NOT_ALLOWED (a refused path; a relative one is
 *  INVALID_ARGUMENT, 400)                              403
 *  METADATA_TOO_LARGE                                  507
 *  SUSPEND_TIMEOUT                                     504
 *  anything else (IO_ERROR, METADATA_INVALID,
 *  MIGRATE_FAIL, LOSTPP, NOTSYNCED, ...)               500
 * </pre>
 */
public final class ApiErrors {
    /** 400: a table text does not parse or validate; the message names the line. */
    public static final String INVALID_TABLE = "INVALID_TABLE";
    /** 400: a mapped-device name is malformed. */
    public static final String INVALID_DEVICE_NAME = "INVALID_DEVICE_NAME";
    /** 404: no mapped device by that name. */
    public static final String DEVICE_NOT_FOUND = "DEVICE_NOT_FOUND";
    /** 409: a mapped device by that name exists. */
    public static final String DEVICE_EXISTS = "DEVICE_EXISTS";
    /** 409: the device's state does not allow the operation (the message names both states). */
    public static final String DEVICE_STATE = "DEVICE_STATE";
    /** 409: the device is open or has queued I/O (remove without force). */
    public static final String DEVICE_BUSY = "DEVICE_BUSY";
    /** 504: in-flight I/O did not drain within the suspend timeout; the device is ACTIVE again. */
    public static final String SUSPEND_TIMEOUT = "SUSPEND_TIMEOUT";
    /** 500: flushing or a target hook failed during suspend; the device is ACTIVE again. */
    public static final String SUSPEND_FAILED = "SUSPEND_FAILED";

    private ApiErrors() {
    }

    /** 403: a PV or table path resolves outside the directories the daemon allows. */
    public static final String PATH_NOT_ALLOWED = "PATH_NOT_ALLOWED";

    /** Registers the mapping of {@link VolumeException} and {@link PathRefusedException} on {@code router}. */
    public static void install(ControlRouter router) {
        router.mapException(VolumeException.class, ApiErrors::toControl);
        router.mapException(PathRefusedException.class, e -> e.reason() == PathRefusedException.Reason.RELATIVE
            ? new ControlException(ControlErrors.INVALID_ARGUMENT, 400, e.getMessage(), e)
            : new ControlException(PATH_NOT_ALLOWED, 403, e.getMessage(), e));
    }

    /** The control error for a volume refusal. */
    public static ControlException toControl(VolumeException e) {
        return new ControlException(e.code().name(), status(e.code()), e.getMessage(), e);
    }

    /** The HTTP status of {@code code}, by the rules in the class comment. */
    public static int status(ErrorCode code) {
        return status(code.name());
    }

    /** The HTTP status of an error name, by the rules in the class comment. */
    static int status(String name) {
        if (name.endsWith("_NOT_FOUND") || name.equals("NO_SUCH_MOVE")) {
            return 404;
        }
        if (name.startsWith("INVALID_") || name.equals("PV_TOO_SMALL") || name.equals("SAME_PV")
                || name.equals("OVERLAPPING_RANGES")) {
            return 400;
        }
        if (name.endsWith("_EXISTS") || name.endsWith("_IN_USE") || name.endsWith("_OPEN") || name.contains("_HAS_")
                || name.endsWith("_LOCKED") || name.endsWith("_BUSY") || name.equals("LAST_PV")
                || name.equals("INSUFFICIENT_SPACE") || name.equals(DEVICE_STATE) || name.equals("NOTHING_TO_MOVE")
                || name.equals("ALREADY_MOVING") || name.equals("INVLPRED") || name.equals("INRESYNC")
                || name.equals("OFFLINE") || name.equals("FORCEOFF") || name.equals("BITMAP_INCONSISTENT")) {
            return 409;
        }
        if (name.equals("METADATA_TOO_LARGE")) {
            return 507;
        }
        if (name.equals(SUSPEND_TIMEOUT)) {
            return 504;
        }
        return 500;
    }

    /** A device-mapper refusal with its status from {@link #status(String)}. */
    static ControlException dm(String name, String message, Throwable cause) {
        return new ControlException(name, status(name), message, cause);
    }
}
