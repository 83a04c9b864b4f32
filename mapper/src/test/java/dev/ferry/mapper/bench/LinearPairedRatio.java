package dev.ferry.mapper.bench;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * The linear-table overhead measured in pairs, for busy machines where separate JMH forks run minutes
 * apart under different load: in one JVM, alternating 100 ms slices of requests straight to the leaf
 * and through the same three-segment table as {@link LinearTableBenchmark}, it prints the median and
 * quartiles of the per-pair throughput ratio (linear / direct) after 5 warm-up pairs. Arguments:
 * {@code <memory|file> <size> <read|write> [pairs]}.
 */
public final class LinearPairedRatio {

    private static final long LEAF = 64L << 20;
    private static final long SPAN = 48L << 20;
    private static final long SLICE_NANOS = 100_000_000L;
    private static final int WARMUP_PAIRS = 5;

    private final ByteBuffer buffer;
    private final boolean write;
    private long offset;

    private LinearPairedRatio(int size, boolean write) {
        this.buffer = ByteBuffer.allocateDirect(size);
        this.write = write;
    }

    /** Runs one measurement and prints {@code <leaf> <op> <size> <median> <p25> <p75>}. */
    public static void main(String[] args) throws Exception {
        boolean file = args[0].equals("file");
        int size = Integer.parseInt(args[1]);
        boolean write = args[2].equals("write");
        int pairs = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        ExecutorService io = IoExecutors.newPool(4, 1024);
        Path path = Files.createTempFile("linear-paired", ".img");
        try (BlockDevice leaf = file ? FileBlockDevice.createSparse(path, LEAF, true, io)
                : new MemoryBlockDevice("leaf", LEAF)) {
            ByteBuffer fill = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < LEAF; at += fill.capacity()) {
                leaf.write(at, fill.clear(), false).join();
            }
            DeviceRegistry registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), n -> leaf,
                    Duration.ofSeconds(5));
            try (BlockDevice linear = registry.create("bench", "0 32768 linear /leaf 65536\n"
                    + "32768 32768 linear /leaf 0\n65536 32768 linear /leaf 32768\n")) {
                LinearPairedRatio run = new LinearPairedRatio(size, write);
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < WARMUP_PAIRS + pairs; i++) {
                    double direct = run.slice(leaf);
                    double mapped = run.slice(linear);
                    if (i >= WARMUP_PAIRS) {
                        ratios.add(mapped / direct);
                    }
                }
                Collections.sort(ratios);
                System.out.printf("%s %s %d %.3f %.3f %.3f%n", args[0], args[2], size, ratios.get(pairs / 2),
                        ratios.get(pairs / 4), ratios.get(3 * pairs / 4));
            }
        } finally {
            io.shutdown();
            Files.delete(path);
        }
    }

    /** Requests completed in one slice of {@link #SLICE_NANOS}, one at a time. */
    private long slice(BlockDevice device) {
        long end = System.nanoTime() + SLICE_NANOS;
        long done = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++, done++) {
                buffer.clear();
                long at = offset;
                offset = (offset + buffer.capacity() + 3 * 512) % (SPAN - buffer.capacity());
                (write ? device.write(at, buffer, false) : device.read(at, buffer)).join();
            }
        }
        return done;
    }
}
