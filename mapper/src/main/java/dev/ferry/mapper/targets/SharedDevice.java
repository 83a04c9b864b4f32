package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;

/**
 * A device that counts its openers (a mapped device): tables open every such device they map onto
 * so it cannot be removed under them, and close the handle when the table is dropped.
 */
public interface SharedDevice extends BlockDevice {

    /** Registers one opener; the returned handle unregisters it when closed (idempotent). */
    Handle open();

    /**
     * Whether I/O to this device may reach {@code other}, directly or through stacked devices; used to
     * refuse tables that would make a device map onto itself.
     */
    boolean dependsOn(BlockDevice other);

    /** One registered opener. */
    interface Handle extends AutoCloseable {
        @Override
        void close();
    }
}
