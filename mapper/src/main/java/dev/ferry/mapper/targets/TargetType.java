package dev.ferry.mapper.targets;

import java.util.List;

/** Creates targets of one type from table-line arguments, validating them. */
public interface TargetType {

    /** The type name, e.g. {@code mirror}. */
    String name();

    /**
     * Builds a target covering {@code lengthSectors} 512-byte sectors from the arguments of a table
     * line; devices named in the arguments are looked up through {@code devices}.
     *
     * @throws IllegalArgumentException with a precise message naming the bad argument
     */
    Target create(long lengthSectors, List<String> args, DeviceResolver devices);

    /**
     * Builds a target with the full context (scheduler, event sink); types that need time or raise
     * events override this. The default ignores everything but the resolver.
     *
     * @throws IllegalArgumentException with a precise message naming the bad argument
     */
    default Target create(long lengthSectors, List<String> args, TargetContext context) {
        return create(lengthSectors, args, context.devices());
    }
}
