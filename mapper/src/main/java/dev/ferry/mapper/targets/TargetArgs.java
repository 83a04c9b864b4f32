package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import java.util.List;

/** Parsing helpers for table-line arguments that fail with precise {@link IllegalArgumentException}s. */
public final class TargetArgs {

    /** Bytes per sector: tables count in 512-byte sectors. */
    public static final int SECTOR = 512;

    /** The largest sector count whose byte size fits a long. */
    public static final long MAX_SECTORS = Long.MAX_VALUE / SECTOR;

    private TargetArgs() {
    }

    /** Fails unless {@code args} has one of the {@code allowed} sizes. */
    public static void count(String type, List<String> args, int... allowed) {
        for (int n : allowed) {
            if (args.size() == n) {
                return;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            sb.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ").append(allowed[i]);
        }
        throw new IllegalArgumentException(type + ": expected " + sb + " arguments, got " + args.size());
    }

    /** Argument {@code i} as an unsigned decimal in {@code [min, max]}; {@code what} names it in errors. */
    public static long number(List<String> args, int i, String what, long min, long max) {
        if (i >= args.size()) {
            throw new IllegalArgumentException("missing " + what + " (argument " + (i + 1) + ")");
        }
        return parse(args.get(i), what, min, max);
    }

    /** Parses an unsigned decimal in {@code [min, max]}; {@code what} names it in errors. */
    public static long parse(String text, String what, long min, long max) {
        if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(what + " '" + text + "' is not an unsigned decimal number");
        }
        long v = Long.parseLong(text);
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " " + v + " out of range [" + min + ", " + max + "]");
        }
        return v;
    }

    /** The device named by argument {@code i}, resolved through {@code devices}. */
    public static BlockDevice device(List<String> args, int i, DeviceResolver devices) {
        if (i >= args.size()) {
            throw new IllegalArgumentException("missing device (argument " + (i + 1) + ")");
        }
        String name = args.get(i);
        try {
            return devices.resolve(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device '" + name + "' unknown: " + e.getMessage(), e);
        }
    }

    /**
     * Resolves a {@code <dev> <offset>} pair at {@code i} and checks that {@code lengthSectors} from the
     * offset lie within the device.
     */
    public static DeviceSlice slice(List<String> args, int i, long lengthSectors, DeviceResolver devices) {
        BlockDevice dev = device(args, i, devices);
        long offset = number(args, i + 1, "offset of device '" + args.get(i) + "'", 0, MAX_SECTORS);
        long deviceSectors = dev.size() / SECTOR;
        if (lengthSectors > deviceSectors || offset > deviceSectors - lengthSectors) {
            throw new IllegalArgumentException("mapping of " + lengthSectors + " sectors at offset " + offset
                    + " lies outside device '" + args.get(i) + "' of " + deviceSectors + " sectors");
        }
        return new DeviceSlice(args.get(i), dev, offset);
    }
}
