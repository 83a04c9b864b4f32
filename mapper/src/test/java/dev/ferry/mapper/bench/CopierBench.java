package dev.ferry.mapper.bench;

import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.copy.CopyListener;
import dev.ferry.mapper.copy.CopyRequest;
import dev.ferry.mapper.copy.CopyResult;
import dev.ferry.mapper.time.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Copier throughput against a plain sequential FileChannel read/write loop with the same chunk size,
 * copying one temp file to another on the same disk (both include a final fdatasync). The page cache
 * cannot be dropped here (no root), so the source is mostly cached: this measures the copier's
 * overhead and concurrency, not the disk. Run:
 * {@code java -cp <test classpath> org.openjdk.jmh.Main CopierBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class CopierBench {

    private static final int CHUNK = 1 << 20;

    @Param("256")
    public int sizeMiB;

    @Param({"1", "8"})
    public int inFlight;

    private Path dir;
    private Path src;
    private Path dst;
    private ExecutorService io;
    private Copier copier;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("copier-bench");
        src = dir.resolve("src");
        dst = dir.resolve("dst");
        byte[] block = new byte[CHUNK];
        Random rnd = new Random(42);
        try (FileChannel c = FileChannel.open(src, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < sizeMiB; i++) {
                rnd.nextBytes(block);
                c.write(ByteBuffer.wrap(block));
            }
        }
        try (FileChannel c = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            c.truncate(0);
            c.write(ByteBuffer.wrap(new byte[1]), (long) sizeMiB * CHUNK - 1);
        }
        io = IoExecutors.newDefaultPool();
        copier = new Copier(new CopierConfig(CHUNK, inFlight, inFlight, 0), Scheduler.system());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        io.shutdown();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public CopyResult copier() throws Exception {
        try (FileBlockDevice s = FileBlockDevice.open(src, FileBlockDevice.Access.READ_ONLY, io);
                FileBlockDevice d = FileBlockDevice.open(dst, FileBlockDevice.Access.READ_WRITE, io)) {
            return copier.copy(CopyRequest.sameOffset(s, d, 0, (long) sizeMiB * CHUNK), CopyListener.NONE)
                    .future().get(10, TimeUnit.MINUTES);
        }
    }

    @Benchmark
    public long sequentialFileChannel() throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long total = 0;
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(dst, StandardOpenOption.WRITE)) {
            long pos = 0;
            while (true) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    out.write(buf, pos + buf.position());
                }
                pos += n;
                total += n;
            }
            out.force(false);
        }
        return total;
    }
}
