package dev.ferry.mapper.nativeio;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A range of a file mapped read-only into memory for one read, so that a socket write can copy the page cache's bytes
 * itself instead of a read copying them into a buffer first; {@link #close()} unmaps it (exactly once).
 *
 * <p>Only ranges the page cache holds entirely are mapped ({@link #mapResident}): touching the mapping then costs no
 * I/O, and a thread that must not block can hand it to the kernel. The bytes are the file's current contents, not a
 * copy: a holder keeps whatever keeps the range's meaning stable (a device's pin) until it is done with them. After
 * {@link #close()} the memory is gone: its address must no longer be used by anything, the kernel included.
 */
public final class MappedBytes implements AutoCloseable {

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private final MappedByteBuffer mapping;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MappedBytes(MappedByteBuffer mapping) {
        this.mapping = mapping;
    }

    /**
     * Maps {@code [position, position + length)} of {@code channel} read-only when every page of it is in the page
     * cache ({@code mincore}); empty when one is not (nothing stays mapped then).
     *
     * @throws IOException when the range cannot be mapped (past the end of the file, out of mappings)
     */
    public static Optional<MappedBytes> mapResident(FileChannel channel, long position, int length)
            throws IOException {
        if (length <= 0) {
            throw new IllegalArgumentException("mapping of " + length + " bytes");
        }
        MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
        if (!mapping.isLoaded()) {
            UNSAFE.invokeCleaner(mapping);
            return Optional.empty();
        }
        return Optional.of(new MappedBytes(mapping));
    }

    /** The mapped bytes (read-only, position 0, limit the length); valid until {@link #close()}. */
    public ByteBuffer bytes() {
        return mapping.duplicate();
    }

    /** Bytes mapped. */
    public int length() {
        return mapping.capacity();
    }

    /** Unmaps the range; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            UNSAFE.invokeCleaner(mapping);
        }
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
