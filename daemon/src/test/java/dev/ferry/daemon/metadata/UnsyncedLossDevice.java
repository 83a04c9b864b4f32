package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A metadata device that keeps every write in memory until {@link #sync()} and loses whatever is not synced when it
 * is closed, as a power cut loses a page cache: reads see the device's own writes, the file sees only synced ones.
 */
final class UnsyncedLossDevice implements MetadataDevice {
    private record Write(long offset, byte[] bytes) {
    }

    private final MetadataDevice file;
    private final List<Write> unsynced = new ArrayList<>();

    UnsyncedLossDevice(MetadataDevice file) {
        this.file = file;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int length = dst.remaining();
        file.read(offset, dst);
        for (Write w : unsynced) {
            long from = Math.max(offset, w.offset());
            long to = Math.min(offset + length, w.offset() + w.bytes().length);
            if (from < to) {
                dst.put(start + (int) (from - offset), w.bytes(), (int) (from - w.offset()), (int) (to - from));
            }
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        unsynced.add(new Write(offset, bytes));
    }

    @Override
    public void sync() throws IOException {
        for (Write w : unsynced) {
            file.write(w.offset(), ByteBuffer.wrap(w.bytes()));
        }
        unsynced.clear();
        file.sync();
    }

    /** The crash: every write not synced is lost. */
    @Override
    public void close() throws IOException {
        unsynced.clear();
        file.close();
    }
}
