package dev.ferry.mapper.block;

import java.nio.channels.FileChannel;

/**
 * A device range that lies contiguously in a file, for zero-copy reads; holding it pins the
 * mapping, and {@link #close()} releases the pin (exactly once).
 *
 * @param channel  the file (not to be closed by the holder)
 * @param position byte position of the range in the file
 * @param length   bytes
 * @param pin      released by {@link #close()}
 */
public record FileSpan(FileChannel channel, long position, long length, Runnable pin) implements AutoCloseable {

    @Override
    public void close() {
        pin.run();
    }
}
