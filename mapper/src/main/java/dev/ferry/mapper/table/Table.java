package dev.ferry.mapper.table;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.targets.Join;
import dev.ferry.mapper.targets.SharedDevice;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.targets.TargetArgs;
import dev.ferry.mapper.targets.TargetContext;
import dev.ferry.mapper.targets.TargetEvents;
import dev.ferry.mapper.targets.TargetType;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An immutable, validated table: its lines and the targets instantiated from them, covering
 * {@link #size()} bytes from offset 0. Parsing opens every {@link SharedDevice} the lines name (so
 * they cannot be removed under the table); {@link #close()} closes the targets and those handles.
 * Events the targets raise go to the sink {@linkplain #attach attached} by the device the table is
 * loaded into. Lookup by byte offset is a binary search over the line starts; the device the table serves
 * splits requests at the target boundaries and issues the pieces to the targets.
 */
public final class Table implements AutoCloseable {

    private final List<TableLine> lines;
    private final Target[] targets;
    private final long[] starts;
    private final long size;
    private final List<SharedDevice> shared;
    private final List<SharedDevice.Handle> handles;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile TargetEvents sink = TargetEvents.NONE;

    private Table(List<TableLine> lines, Target[] targets, List<SharedDevice> shared, List<SharedDevice.Handle> handles) {
        this.lines = List.copyOf(lines);
        this.targets = targets;
        this.starts = new long[targets.length];
        for (int i = 0; i < targets.length; i++) {
            starts[i] = lines.get(i).startSector() * TargetArgs.SECTOR;
        }
        TableLine last = lines.get(lines.size() - 1);
        this.size = last.endSector() * TargetArgs.SECTOR;
        this.shared = List.copyOf(shared);
        this.handles = List.copyOf(handles);
    }

    /**
     * Parses and validates {@code text}, instantiating each line's target through {@code types}; device
     * names resolve through {@code devices}, delays and intervals use {@code scheduler}.
     *
     * @throws InvalidTableException naming the line and the problem
     */
    public static Table parse(String text, TargetTypes types, DeviceResolver devices, Scheduler scheduler) {
        List<TableText.Numbered> parsed = TableText.parse(text);
        Map<BlockDevice, SharedDevice.Handle> opened = new IdentityHashMap<>();
        List<SharedDevice> shared = new ArrayList<>();
        DeviceResolver opening = name -> {
            BlockDevice d = devices.resolve(name);
            if (d instanceof SharedDevice s && !opened.containsKey(d)) {
                opened.put(d, s.open());
                shared.add(s);
            }
            return d;
        };
        Table[] self = new Table[1];
        TargetEvents relay = (target, reason) -> {
            Table t = self[0];
            if (t != null) {
                t.sink.raise(target, reason);
            }
        };
        TargetContext context = new TargetContext(opening, scheduler, relay);
        List<TableLine> lines = new ArrayList<>();
        Target[] targets = new Target[parsed.size()];
        try {
            for (int i = 0; i < parsed.size(); i++) {
                TableText.Numbered n = parsed.get(i);
                TargetType type = types.get(n.line().type()).orElseThrow(() -> new InvalidTableException(
                        n.lineNumber(), "unknown target type '" + n.line().type() + "' (known: "
                        + String.join(", ", types.names()) + ")", null));
                try {
                    targets[i] = type.create(n.line().lengthSectors(), n.args(), context);
                } catch (IllegalArgumentException e) {
                    throw new InvalidTableException(n.lineNumber(), e.getMessage(), e);
                }
                lines.add(new TableLine(n.line().startSector(), n.line().lengthSectors(), type.name(),
                        targets[i].params()));
            }
        } catch (RuntimeException e) {
            for (Target t : targets) {
                if (t != null) {
                    t.close();
                }
            }
            opened.values().forEach(SharedDevice.Handle::close);
            throw e;
        }
        self[0] = new Table(lines, targets, shared, new ArrayList<>(opened.values()));
        return self[0];
    }

    /** Routes the targets' events to {@code events}; a table serves one device, so it attaches once. */
    public synchronized void attach(TargetEvents events) {
        if (sink != TargetEvents.NONE) {
            throw new IllegalStateException("table is already attached to a device");
        }
        sink = events;
    }

    /** The table in canonical {@code dmsetup table} text: one formatted line each, each ending in a newline. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (TableLine l : lines) {
            sb.append(l.format()).append('\n');
        }
        return sb.toString();
    }

    /** {@code dmsetup status} text: {@code <start> <length> <type> <status>} per line. */
    public String status() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < targets.length; i++) {
            TableLine l = lines.get(i);
            String st = targets[i].status();
            sb.append(l.startSector()).append(' ').append(l.lengthSectors()).append(' ').append(l.type());
            sb.append(st.isEmpty() ? "" : " " + st).append('\n');
        }
        return sb.toString();
    }

    /** The lines, in order. */
    public List<TableLine> lines() {
        return lines;
    }

    /** The targets, in line order. */
    public List<Target> targets() {
        return List.of(targets);
    }

    /** Whether a mapped device this table maps onto is {@code other} or depends on it. */
    public boolean mapsOnto(BlockDevice other) {
        for (SharedDevice d : sharedDevices()) {
            if (d.dependsOn(other)) {
                return true;
            }
        }
        return false;
    }

    /** The mapped devices this table maps onto directly. */
    public List<SharedDevice> sharedDevices() {
        return shared;
    }

    /** Bytes covered. */
    public long size() {
        return size;
    }

    /** Number of targets. */
    public int count() {
        return targets.length;
    }

    /** Index of the target holding byte {@code offset}, which must lie in {@code [0, size())}. */
    public int index(long offset) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Target {@code i}. */
    public Target target(int i) {
        return targets[i];
    }

    /** First byte of target {@code i}. */
    public long start(int i) {
        return starts[i];
    }

    /** First byte after target {@code i}. */
    public long end(int i) {
        return i + 1 < starts.length ? starts[i + 1] : size;
    }

    /** Allocation of the target holding {@code offset}, up to {@code length}, in table offsets. */
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        int i = index(offset);
        long base = starts[i];
        long n = Math.min(length, end(i) - offset);
        return targets[i].allocation(offset - base, n).thenApply(extents -> {
            List<Extent> out = new ArrayList<>(extents.size());
            for (Extent e : extents) {
                out.add(new Extent(e.offset() + base, e.length(), e.allocated(), e.zero()));
            }
            return out;
        });
    }

    /** Flushes every target. */
    public CompletableFuture<Void> flush() {
        return flush(0, size);
    }

    /**
     * Flushes the targets under {@code [offset, offset + length)} (clamped to the table), each for the part of the range
     * it holds; none when the range holds no byte of the table.
     */
    public CompletableFuture<Void> flush(long offset, long length) {
        long from = Math.max(0, offset);
        long to = Math.min(size, offset + length);
        if (from >= to) {
            return CompletableFuture.completedFuture(null);
        }
        Join join = new Join();
        for (int i = index(from); i < targets.length && starts[i] < to; i++) {
            long at = Math.max(from, starts[i]);
            join.add(targets[i].flush(at - starts[i], Math.min(to, end(i)) - at));
        }
        return join.seal();
    }

    /** Runs every target's presuspend hook. */
    public CompletableFuture<Void> presuspend() {
        Join join = new Join();
        for (Target t : targets) {
            join.add(t.presuspend());
        }
        return join.seal();
    }

    /** Runs every target's postsuspend hook. */
    public CompletableFuture<Void> postsuspend() {
        Join join = new Join();
        for (Target t : targets) {
            join.add(t.postsuspend());
        }
        return join.seal();
    }

    /** Runs every target's resume hook. */
    public void resumeTargets() {
        for (Target t : targets) {
            t.resume();
        }
    }

    /** Whether every target offers fast zeroing. */
    public boolean fastZeroes() {
        for (Target t : targets) {
            if (!t.fastZeroes()) {
                return false;
            }
        }
        return true;
    }

    /** Closes the targets and releases the devices this table opened; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (Target t : targets) {
                t.close();
            }
            handles.forEach(SharedDevice.Handle::close);
        }
    }
}
