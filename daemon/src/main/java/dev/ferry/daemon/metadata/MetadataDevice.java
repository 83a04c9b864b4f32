package dev.ferry.daemon.metadata;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Positional, synchronous storage under a PV's label and metadata area (a file or block device). */
public interface MetadataDevice extends Closeable {

    /** Returns the current length of the device in bytes. */
    long size() throws IOException;

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end of the device read as zero. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (fsync). */
    void sync() throws IOException;
}
