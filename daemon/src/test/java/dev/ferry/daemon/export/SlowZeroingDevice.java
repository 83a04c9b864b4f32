package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;

/** A real device decorated to report that it cannot zero faster than writing (like a plain file on tmpfs-less media). */
final class SlowZeroingDevice extends DelegatingDevice {

    SlowZeroingDevice(BlockDevice delegate) {
        super(delegate);
    }

    @Override
    public boolean fastZeroes() {
        return false;
    }

    @Override
    public String describe() {
        return "slow-zeroing " + delegate.describe();
    }
}
