package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A crash scenario shared by every device opened through {@link #opener()}: after {@code writesBeforeCrash}
 * complete writes the next write is lost (or, with {@code tearBytes > 0}, only its first {@code tearBytes} bytes
 * reach the file) and every later operation fails, as if the process died.
 */
public final class FaultPlan {
    private final long writesBeforeCrash;
    private final int tearBytes;
    private long writes;
    private boolean crashed;

    /** A plan that crashes at write number {@code writesBeforeCrash + 1}; -1 never crashes (counts only). */
    public FaultPlan(long writesBeforeCrash, int tearBytes) {
        this.writesBeforeCrash = writesBeforeCrash;
        this.tearBytes = tearBytes;
    }

    /** A plan that never crashes and counts writes. */
    public static FaultPlan counting() {
        return new FaultPlan(-1, 0);
    }

    /** Writes that completed. */
    public synchronized long writes() {
        return writes;
    }

    /** True once the simulated crash happened. */
    public synchronized boolean crashed() {
        return crashed;
    }

    /** An opener whose devices obey this plan. */
    public DeviceOpener opener() {
        return path -> new Device(FileMetadataDevice.open(path));
    }

    private synchronized void beforeOp() throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: device gone");
        }
    }

    /** Returns the number of bytes of this write that reach the device, or -1 for all of them. */
    private synchronized int admitWrite(int length) {
        if (writesBeforeCrash >= 0 && writes == writesBeforeCrash) {
            crashed = true;
            return Math.min(tearBytes, length);
        }
        writes++;
        return -1;
    }

    private final class Device implements MetadataDevice {
        private final MetadataDevice inner;

        Device(MetadataDevice inner) {
            this.inner = inner;
        }

        @Override
        public long size() throws IOException {
            beforeOp();
            return inner.size();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            beforeOp();
            inner.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            beforeOp();
            int admitted = admitWrite(src.remaining());
            if (admitted < 0) {
                inner.write(offset, src);
                return;
            }
            if (admitted > 0) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + admitted);
                inner.write(offset, part);
            }
            throw new IOException("simulated crash during write at offset " + offset);
        }

        @Override
        public void sync() throws IOException {
            beforeOp();
            inner.sync();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    /** Flips every bit of {@code length} bytes of {@code file} at {@code offset} (simulated bit rot). */
    public static void flipBytes(Path file, long offset, int length) throws IOException {
        try (FileMetadataDevice d = FileMetadataDevice.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            d.read(offset, b);
            for (int i = 0; i < length; i++) {
                b.put(i, (byte) ~b.get(i));
            }
            b.clear();
            d.write(offset, b);
        }
    }
}
