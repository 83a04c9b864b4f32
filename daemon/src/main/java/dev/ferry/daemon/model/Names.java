package dev.ferry.daemon.model;

import java.util.List;
import java.util.regex.Pattern;

/** LVM's naming rules for VGs and LVs, and the LV names reserved for internal volumes. */
public final class Names {
    /** Longest accepted name. */
    public static final int MAX_LENGTH = 127;
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9+_.-]+");
    private static final List<String> RESERVED_PREFIXES = List.of("pvmove", "snapshot");
    private static final List<String> RESERVED_PARTS = List.of("_cdata", "_cmeta", "_corig", "_mimage", "_mlog",
            "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vorigin", "_vdata");

    private Names() {
    }

    /** Checks a VG name: [a-zA-Z0-9+_.-], no leading '-', not "." or "..". */
    public static void checkVgName(String name) {
        checkCommon("volume group", name);
    }

    /** Checks an LV name: the VG rules, and not a reserved prefix or internal suffix. */
    public static void checkLvName(String name) {
        checkCommon("logical volume", name);
        for (String prefix : RESERVED_PREFIXES) {
            if (name.startsWith(prefix)) {
                throw invalid("Names starting \"" + prefix + "\" are reserved. Please choose a different LV name.");
            }
        }
        for (String part : RESERVED_PARTS) {
            if (name.contains(part)) {
                throw invalid("Logical volume name \"" + name + "\" contains reserved string \"" + part + "\".");
            }
        }
    }

    private static void checkCommon(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("A " + what + " name is required.");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid("Name \"" + name + "\" is too long (max " + MAX_LENGTH + ").");
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid("Name \"" + name + "\" is reserved.");
        }
        if (name.startsWith("-")) {
            throw invalid("Name \"" + name + "\" may not start with '-'.");
        }
        if (!VALID.matcher(name).matches()) {
            throw invalid("Name \"" + name + "\" contains invalid characters: use a-z A-Z 0-9 + _ . -");
        }
    }

    private static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_NAME, message);
    }
}
