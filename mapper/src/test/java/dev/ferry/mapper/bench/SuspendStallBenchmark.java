package dev.ferry.mapper.bench;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * The stall a live table swap imposes on an I/O stream: per-request latency (JMH SampleTime gives
 * p50/p99/max) of 4 KiB reads through a mapped device while another thread cycles load, suspend
 * (flush) and resume between two equivalent tables every {@code pauseMicros}; {@code cycling=false} is the
 * baseline without swaps.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SuspendStallBenchmark {

    /** Whether the swapping thread runs. */
    @Param({"false", "true"})
    public boolean cycling;

    /** Pause between swap cycles, in microseconds. */
    @Param({"1000"})
    public int pauseMicros;

    private static final String[] TABLES = {
        "0 8192 linear /leaf 0\n",
        "0 4096 linear /leaf 0\n4096 4096 linear /leaf 4096\n",
    };

    private MappedDevice device;
    private DeviceRegistry registry;
    private Thread swapper;
    private volatile boolean running;
    private final AtomicLong cycles = new AtomicLong();
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(4096));
    private final ThreadLocal<long[]> offsets = ThreadLocal.withInitial(() -> new long[1]);

    /** Builds the device and starts the swapping thread. */
    @Setup(Level.Trial)
    public void setUp() {
        MemoryBlockDevice leaf = new MemoryBlockDevice("leaf", 8192L * 512);
        registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), n -> leaf, Duration.ofSeconds(5));
        device = registry.create("stall", TABLES[0]);
        running = true;
        swapper = new Thread(() -> {
            int i = 0;
            while (running) {
                if (cycling) {
                    registry.load("stall", TABLES[++i % 2]);
                    device.suspend(SuspendMode.FLUSH, Duration.ofSeconds(5)).join();
                    device.resume().join();
                    cycles.incrementAndGet();
                }
                LockSupport.parkNanos(pauseMicros * 1000L);
            }
        }, "swapper");
        swapper.setDaemon(true);
        swapper.start();
    }

    /** Stops the swapping thread and reports how many swaps ran. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        swapper.join();
        System.out.println("\nswap cycles: " + cycles.get());
        device.close();
    }

    /** One 4 KiB read, waiting for its completion (queued while the device is suspended). */
    @Benchmark
    public void read() {
        ByteBuffer b = buffers.get();
        long[] off = offsets.get();
        b.clear();
        device.read(off[0], b).join();
        off[0] = (off[0] + 4096) % (8192L * 512 - 4096);
    }
}
