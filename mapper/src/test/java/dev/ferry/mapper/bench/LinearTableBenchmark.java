package dev.ferry.mapper.bench;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of reads and writes through a three-segment linear table versus the leaf device directly,
 * on a {@link MemoryBlockDevice} (the mapper's own overhead, magnified) and on a {@link FileBlockDevice}
 * over a temporary file (what a real leaf costs: an I/O-thread hop and a page-cache copy per request).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LinearTableBenchmark {

    private static final long LEAF = 64L << 20;
    private static final long SPAN = 48L << 20;

    /** Request size in bytes. */
    @Param({"4096", "65536"})
    public int size;

    /** {@code direct}: the leaf; {@code linear3}: a mapped device with three linear segments over it. */
    @Param({"direct", "linear3"})
    public String path;

    /** {@code memory}: a memory leaf; {@code file}: a file leaf in the temporary directory. */
    @Param({"memory", "file"})
    public String leafKind;

    private BlockDevice leaf;
    private BlockDevice device;
    private ExecutorService io;
    private Path file;
    private ByteBuffer buffer;
    private long offset;

    /** Builds the device and touches every page so reads do not hit holes. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (leafKind.equals("file")) {
            io = IoExecutors.newPool(4, 1024);
            file = Files.createTempFile("linear-bench", ".img");
            leaf = FileBlockDevice.createSparse(file, LEAF, true, io);
        } else {
            leaf = new MemoryBlockDevice("leaf", LEAF);
        }
        ByteBuffer fill = ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < LEAF; at += fill.capacity()) {
            leaf.write(at, fill.clear(), false).join();
        }
        if (path.equals("direct")) {
            device = leaf;
        } else {
            DeviceRegistry registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), n -> leaf,
                    Duration.ofSeconds(5));
            // three 16 MiB segments placed out of order on the leaf
            device = registry.create("bench", "0 32768 linear /leaf 65536\n32768 32768 linear /leaf 0\n"
                    + "65536 32768 linear /leaf 32768\n");
        }
        buffer = ByteBuffer.allocateDirect(size);
    }

    /** Releases the device. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (device != leaf) {
            device.close();
        }
        leaf.close();
        if (io != null) {
            io.shutdown();
            Files.delete(file);
        }
    }

    private long next() {
        long at = offset;
        offset = (offset + size + 512 * 3) % (SPAN - size);
        return at;
    }

    /** One read. */
    @Benchmark
    public void read() {
        buffer.clear();
        device.read(next(), buffer).join();
    }

    /** One write. */
    @Benchmark
    public void write() {
        buffer.clear();
        device.write(next(), buffer, false).join();
    }
}
