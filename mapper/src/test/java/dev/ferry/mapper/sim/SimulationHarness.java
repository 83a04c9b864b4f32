package dev.ferry.mapper.sim;

import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.DeviceState;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.Join;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A seeded, single-threaded simulation of I/O on a stack of mapped devices over {@link QueuedBlockDevice}
 * leaves whose completions the seed orders, checked against a byte-array model of the front device.
 * Tests build the stack ({@link #addLeaf}, {@link #createDevice}, {@link #front}), then drive steps
 * ({@link #issueRead}, {@link #issueWrite}, {@link #completeLeafOp}, {@link #startSwap}, {@link #pump},
 * {@link #advanceTime}) and end with {@link #finish}. Invariants, checked as requests complete and after
 * every step: every request succeeds; a read returns exactly the model (the simulation never overlaps a
 * read with a write of the same block, so the model is exact); an acknowledged write is in the model and
 * must be read back; requests queued by one suspension reach the leaves in issue order; nothing is lost
 * (everything completes at the end, and a final full read matches the model).
 */
public final class SimulationHarness {

    /** Block granularity of the model's busy tracking. */
    public static final int BLOCK = 4096;

    private final long seed;
    private final Random random;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final AtomicLong arrivals = new AtomicLong();
    private final Map<String, QueuedBlockDevice> leaves = new LinkedHashMap<>();
    private final DeviceRegistry registry;
    private final List<MappedDevice> stack = new ArrayList<>();
    private final Map<String, Integer> suspensions = new HashMap<>();
    private final Map<MappedDevice, LayoutSwap> swaps = new LinkedHashMap<>();
    private final Map<MappedDevice, String> layouts = new HashMap<>();
    private final List<SimOp> ops = new ArrayList<>();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private byte[] model;
    private int[] writers;
    private int[] readers;
    private int step;
    private boolean checkArrivalOrder = true;

    /** Creates a harness for {@code seed} on a {@link DeviceMapper} (every target type, mirror included). */
    public SimulationHarness(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        this.registry = new DeviceMapper(scheduler, new CopierConfig(16 * 1024, 4, 8, 0), this::leaf,
                Duration.ofHours(1)).registry();
    }

    /** The seeded random source every choice must come from. */
    public Random random() {
        return random;
    }

    /** The manual scheduler driving timeouts. */
    public ManualScheduler scheduler() {
        return scheduler;
    }

    /** The registry holding the simulated devices. */
    public DeviceRegistry registry() {
        return registry;
    }

    /** Adds a leaf called {@code name} of {@code sectors} sectors. */
    public QueuedBlockDevice addLeaf(String name, long sectors) {
        QueuedBlockDevice d = new QueuedBlockDevice(name, sectors * 512, arrivals);
        leaves.put(name, d);
        return d;
    }

    /**
     * Stops checking that requests queued by a suspension reach the leaves in issue order: a mirror
     * legitimately holds writes to a region under recovery back while later ones pass.
     */
    public void ignoreArrivalOrder() {
        checkArrivalOrder = false;
    }

    /** The leaf called {@code name}. */
    public QueuedBlockDevice leaf(String name) {
        QueuedBlockDevice d = leaves.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no leaf " + name);
        }
        return d;
    }

    /** Creates a mapped device with a live table; devices must be created bottom-up. */
    public MappedDevice createDevice(String name, String table) {
        MappedDevice d = registry.create(name, table);
        stack.add(0, d);
        layouts.put(d, table);
        suspensions.put(name, 0);
        return d;
    }

    /** Makes the most recently created device the front, modelled as all zeroes initially. */
    public void front() {
        int size = (int) stack.get(0).size();
        model = new byte[size];
        writers = new int[(size + BLOCK - 1) / BLOCK];
        readers = new int[writers.length];
    }

    private MappedDevice frontDevice() {
        return stack.get(0);
    }

    /** Records a trace line (the last ones are printed on failure). */
    public void note(String line) {
        trace.addLast(step + ": " + line);
        if (trace.size() > 40) {
            trace.removeFirst();
        }
    }

    /** Fails the simulation with the seed, step and recent trace. */
    public AssertionError failure(String message) {
        return new AssertionError("seed=" + seed + " step=" + step + ": " + message + "\nrecent steps:\n  "
                + String.join("\n  ", trace));
    }

    /** Advances the step counter (call once per simulation step). */
    public void nextStep() {
        step++;
    }

    private String epochAtIssue() {
        for (MappedDevice d : stack) {
            if (d.state() != DeviceState.ACTIVE) {
                return d.name() + "#" + suspensions.get(d.name());
            }
        }
        return null;
    }

    private boolean free(int first, int last, boolean write) {
        for (int b = first; b <= last; b++) {
            if (writers[b] > 0 || (write && readers[b] > 0)) {
                return false;
            }
        }
        return true;
    }

    private void mark(SimOp op, int delta) {
        int[] busy = op.kind() == SimOp.Kind.READ ? readers : writers;
        for (int b = op.firstBlock(); b <= op.lastBlock(); b++) {
            busy[b] += delta;
        }
    }

    /** Issues a read of a random free range; false if the chosen range was busy. */
    public boolean issueRead() {
        return issue(SimOp.Kind.READ);
    }

    /** Issues a write of random data to a random free range; false if the chosen range was busy. */
    public boolean issueWrite() {
        return issue(SimOp.Kind.WRITE);
    }

    /** Issues a zeroing of a random free range; false if the chosen range was busy. */
    public boolean issueZeroes() {
        return issue(SimOp.Kind.ZERO);
    }

    private boolean issue(SimOp.Kind kind) {
        long offset = random.nextInt(model.length);
        int length = (int) Math.min(model.length - offset, 1 + random.nextInt(3 * BLOCK));
        int first = (int) (offset / BLOCK);
        int last = (int) ((offset + length - 1) / BLOCK);
        if (!free(first, last, kind != SimOp.Kind.READ)) {
            return false;
        }
        byte[] buffer = kind == SimOp.Kind.ZERO ? null : new byte[length];
        if (kind == SimOp.Kind.WRITE) {
            random.nextBytes(buffer);
        }
        String epoch = epochAtIssue();
        MappedDevice front = frontDevice();
        CompletableFuture<Void> result = new CompletableFuture<>();
        SimOp op = new SimOp(ops.size(), kind, offset, length, buffer, epoch, result);
        ops.add(op);
        mark(op, 1);
        note("issue " + op);
        CompletableFuture<Void> io = switch (kind) {
            case READ -> front.read(offset, ByteBuffer.wrap(buffer));
            case WRITE -> front.write(offset, ByteBuffer.wrap(buffer), random.nextInt(8) == 0);
            case ZERO -> front.writeZeroes(offset, length, random.nextBoolean());
        };
        io.whenComplete((v, e) -> complete(op, e));
        return true;
    }

    private void complete(SimOp op, Throwable error) {
        mark(op, -1);
        if (error != null) {
            op.result().completeExceptionally(failure(op + " failed: " + Join.unwrap(error)));
            return;
        }
        int at = (int) op.offset();
        switch (op.kind()) {
            case WRITE -> System.arraycopy(op.buffer(), 0, model, at, op.length());
            case ZERO -> Arrays.fill(model, at, at + op.length(), (byte) 0);
            default -> {
                if (!Arrays.equals(op.buffer(), 0, op.length(), model, at, at + op.length())) {
                    op.result().completeExceptionally(failure(op + " returned data that differs from the model"
                            + " (stale, lost write or mixed tables)"));
                    return;
                }
            }
        }
        op.result().complete(null);
    }

    /** Completes one pending leaf operation chosen by the seed; false if none is pending. */
    public boolean completeLeafOp() {
        List<QueuedBlockDevice> busy = leaves.values().stream().filter(l -> l.pendingCount() > 0).toList();
        if (busy.isEmpty()) {
            return false;
        }
        busy.get(random.nextInt(busy.size())).completeRandom(random);
        return true;
    }

    /** Leaf operations pending on all leaves. */
    public int pendingLeafOps() {
        return leaves.values().stream().mapToInt(QueuedBlockDevice::pendingCount).sum();
    }

    /** Moves the manual clock (fires suspend timeouts that are due). */
    public void advanceTime(Duration d) {
        note("advance " + d.toMillis() + " ms");
        scheduler.advance(d);
    }

    /** Whether a swap of {@code device} is under way. */
    public boolean swapping(MappedDevice device) {
        return swaps.containsKey(device);
    }

    /**
     * Starts swapping {@code device} to {@code newTable}: loads it, then suspends with a random mode and
     * {@code timeout}; {@code copy} says whether data must be copied from the old layout first (the
     * layouts map the same logical bytes to different places).
     */
    public void startSwap(MappedDevice device, String newTable, boolean copy, Duration timeout) {
        startSwap(device, newTable, copy ? () -> copy(layouts.get(device), newTable) : () -> { }, timeout);
    }

    /**
     * Starts swapping {@code device} to {@code newTable} like {@link #startSwap(MappedDevice, String,
     * boolean, Duration)}, running {@code whileSuspended} once the suspend completed, before the resume.
     */
    public void startSwap(MappedDevice device, String newTable, Runnable whileSuspended, Duration timeout) {
        registry.load(device.name(), newTable);
        SuspendMode mode = random.nextBoolean() ? SuspendMode.FLUSH : SuspendMode.NOFLUSH;
        suspensions.merge(device.name(), 1, Integer::sum);
        note("swap " + device.name() + " " + mode + " timeout=" + timeout.toMillis() + " -> " + newTable.replace('\n', ';'));
        swaps.put(device, new LayoutSwap(newTable, whileSuspended, device.suspend(mode, timeout)));
    }

    /** Starts a live replace by {@code newTable} (same bytes as the live table); {@link #pump} records it. */
    public void startReplace(MappedDevice device, String newTable) {
        registry.load(device.name(), newTable);
        note("replace " + device.name() + " -> " + newTable.replace('\n', ';'));
        swaps.put(device, new LayoutSwap(newTable, null, device.replace()));
    }

    /** Finishes swaps: a suspended device is resumed (after a copy if needed), a timed-out one cleared. */
    public void pump() {
        for (Map.Entry<MappedDevice, LayoutSwap> e : new ArrayList<>(swaps.entrySet())) {
            MappedDevice device = e.getKey();
            LayoutSwap swap = e.getValue();
            if (!swap.suspended().isDone()) {
                continue;
            }
            swaps.remove(device);
            if (swap.whileSuspended() == null) {
                swap.suspended().join();   // a replace never fails here: nothing removes or clears the device
                layouts.put(device, swap.newTable());
                note("replaced " + device.name());
                continue;
            }
            if (swap.suspended().isCompletedExceptionally()) {
                Throwable cause = swap.suspended().handle((v, t) -> Join.unwrap(t)).join();
                if (!(cause instanceof TimeoutException) || device.state() != DeviceState.ACTIVE) {
                    throw failure("suspend of " + device.name() + " failed unexpectedly: " + cause + " state "
                            + device.state());
                }
                note("suspend of " + device.name() + " timed out; clearing");
                device.clear();
                continue;
            }
            if (device.state() != DeviceState.SUSPENDED) {
                throw failure(device.name() + " suspended but state is " + device.state());
            }
            swap.whileSuspended().run();
            device.resume().join();
            layouts.put(device, swap.newTable());
            note("resumed " + device.name());
        }
    }

    /** Reads or writes {@code buf} at {@code offset} of {@code table}'s targets directly, piece by piece. */
    private static CompletableFuture<Void> pieces(Table table, long offset, ByteBuffer buf, boolean write) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int done = 0; done < buf.capacity(); ) {
            int i = table.index(offset + done);
            int n = (int) Math.min(buf.capacity() - done, table.end(i) - offset - done);
            ByteBuffer piece = buf.duplicate().position(done).limit(done + n).slice();
            long at = offset + done - table.start(i);
            all.add(write ? table.target(i).write(at, piece, false) : table.target(i).read(at, piece));
            done += n;
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Copies the whole logical range from {@code from} to {@code to}, completing leaf ops as needed. */
    private void copy(String from, String to) {
        try (Table source = registry.parse(from); Table dest = registry.parse(to)) {
            int chunk = 64 * 1024;
            for (long at = 0; at < source.size(); at += chunk) {
                int n = (int) Math.min(chunk, source.size() - at);
                ByteBuffer buf = ByteBuffer.allocate(n);
                long start = at;
                CompletableFuture<Void> done = pieces(source, start, buf, false)
                        .thenCompose(v -> pieces(dest, start, buf, true));
                while (!done.isDone()) {
                    if (!completeLeafOp()) {
                        throw failure("copy stalled with no leaf operation pending");
                    }
                }
                done.join();
            }
        }
    }

    /** Checks the invariants that can be checked at any time: no request has failed. */
    public void check() {
        for (SimOp op : ops) {
            if (op.result().isCompletedExceptionally()) {
                op.result().join();
            }
        }
    }

    /**
     * Drives everything to completion (swaps, leaf operations), then checks that every request
     * succeeded, queued requests reached the leaves in order, and a full read matches the model.
     */
    public void finish() {
        for (int guard = 0; ; guard++) {
            pump();
            boolean unsettled = !swaps.isEmpty() || ops.stream().anyMatch(o -> !o.result().isDone());
            if (!unsettled) {
                break;
            }
            if (!completeLeafOp()) {
                throw failure("stuck with nothing pending at the leaves; swaps " + swaps.keySet().stream()
                        .map(MappedDevice::name).toList() + ", unfinished requests "
                        + ops.stream().filter(o -> !o.result().isDone()).toList());
            }
            if (guard > 1_000_000) {
                throw failure("simulation did not settle");
            }
        }
        check();
        if (checkArrivalOrder) {
            ArrivalOrder.check(ops, leaves.values(), this::failure);
        }
        byte[] all = new byte[model.length];
        CompletableFuture<Void> read = frontDevice().read(0, ByteBuffer.wrap(all));
        while (!read.isDone() && completeLeafOp()) {
            pump();
        }
        read.join();
        if (!Arrays.equals(all, model)) {
            throw failure("final read differs from the model at byte " + Arrays.mismatch(all, model));
        }
    }

    /** A swap under way: a suspend (then a resume), or a live replace (no {@code whileSuspended}). */
    private record LayoutSwap(String newTable, Runnable whileSuspended, CompletableFuture<Void> suspended) {
    }
}
