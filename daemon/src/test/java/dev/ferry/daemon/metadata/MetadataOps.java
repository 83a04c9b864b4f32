package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Metadata devices, shared by every device opened through {@link #opener()}, whose completed writes and syncs are
 * logged in order ({@link #log()}), which can fail one PV's writes or syncs with an I/O error while the process lives
 * on ({@link #fail}), and which can simulate a crash: the write or sync numbered {@code crashAt} (counting completed
 * ones from 0) does not happen and every later operation fails, as if the process died there. With
 * {@code loseUnsynced} every device keeps its writes in memory until it syncs ({@link UnsyncedLossDevice}), so a
 * crash (or a failed sync) also loses the writes not synced yet, as a power cut loses a page cache; without it a
 * write is on the file once it returns.
 */
public final class MetadataOps {
    /** What a metadata device did. */
    public enum Kind { WRITE, SYNC }

    /** One completed write or sync of the PV file named {@code pv}. */
    public record Op(Kind kind, String pv) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + pv;
        }
    }

    private final long crashAt;
    private final boolean loseUnsynced;
    private final List<Op> log = new ArrayList<>();
    private final Map<String, Kind> failing = new HashMap<>();
    private boolean crashed;

    private MetadataOps(long crashAt, boolean loseUnsynced) {
        this.crashAt = crashAt;
        this.loseUnsynced = loseUnsynced;
    }

    /** Devices that log and never crash; writes reach the file at once. */
    public static MetadataOps counting() {
        return new MetadataOps(-1, false);
    }

    /** Devices that crash at operation {@code crashAt} (see the class comment). */
    public static MetadataOps crashingAt(long crashAt, boolean loseUnsynced) {
        return new MetadataOps(crashAt, loseUnsynced);
    }

    /** Makes every {@code kind} of the PV file named {@code pv} fail with an I/O error from now on. */
    public synchronized void fail(String pv, Kind kind) {
        failing.put(pv, kind);
    }

    /** The completed writes and syncs, in order. */
    public synchronized List<Op> log() {
        return List.copyOf(log);
    }

    /** Whether the simulated crash happened. */
    public synchronized boolean crashed() {
        return crashed;
    }

    /** An opener of local PV files whose devices obey this plan. */
    public DeviceOpener opener() {
        return path -> {
            MetadataDevice file = FileMetadataDevice.open(path);
            return new Device(path.getFileName().toString(), loseUnsynced ? new UnsyncedLossDevice(file) : file);
        };
    }

    private synchronized void alive() throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: the process is gone");
        }
    }

    /** Admits {@code op} or throws: the PV fails that kind, or the crash happens here. */
    private synchronized void admit(Op op) throws IOException {
        alive();
        if (failing.get(op.pv()) == op.kind()) {
            throw new IOException("metadata " + op + " refused (test)");
        }
        if (log.size() == crashAt) {
            crashed = true;
            throw new IOException("simulated crash at " + op);
        }
    }

    private synchronized void done(Op op) {
        log.add(op);
    }

    /** The valid slots of the PV file at {@code path} as a fresh process would read them (seqno to document). */
    public static Map<Long, String> validSlots(Path path) throws IOException {
        Map<Long, String> out = new HashMap<>();
        try (FileMetadataDevice d = FileMetadataDevice.open(path)) {
            Optional<PvDisk> disk = PvDisk.read(path, d);
            for (SlotContent s : disk.orElseThrow().slots()) {
                if (s.state() == SlotContent.State.VALID) {
                    out.put(s.seqno(), new String(s.document(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private final class Device implements MetadataDevice {
        private final String pv;
        private final MetadataDevice inner;

        Device(String pv, MetadataDevice inner) {
            this.pv = pv;
            this.inner = inner;
        }

        @Override
        public long size() throws IOException {
            alive();
            return inner.size();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            alive();
            inner.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            Op op = new Op(Kind.WRITE, pv);
            admit(op);
            inner.write(offset, src);
            done(op);
        }

        @Override
        public void sync() throws IOException {
            Op op = new Op(Kind.SYNC, pv);
            admit(op);
            inner.sync();
            done(op);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
