package dev.ferry.mapper.targets;

import java.util.List;
import java.util.function.LongFunction;

/** Shared shape of the targets that take no arguments and map onto no device ({@code error}, {@code zero}). */
abstract class ArgumentlessTarget implements Target {

    private final String type;
    private final long size;

    ArgumentlessTarget(String type, long lengthSectors) {
        this.type = type;
        this.size = lengthSectors * TargetArgs.SECTOR;
    }

    /** The type called {@code name}, creating targets with {@code factory} from a length in sectors. */
    static TargetType type(String name, LongFunction<Target> factory) {
        return new TargetType() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
                TargetArgs.count(name, args, 0);
                return factory.apply(lengthSectors);
            }
        };
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final String params() {
        return "";
    }

    @Override
    public final String status() {
        return "";
    }

    @Override
    public final long size() {
        return size;
    }
}
