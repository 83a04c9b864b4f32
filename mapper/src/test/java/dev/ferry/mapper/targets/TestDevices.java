package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Helpers for target tests: a resolver over named devices and synchronous I/O shortcuts. */
public final class TestDevices implements DeviceResolver {

    private final Map<String, BlockDevice> byName = new HashMap<>();

    /** Adds a memory device of {@code sectors} sectors called {@code name}. */
    public MemoryBlockDevice memory(String name, long sectors) {
        MemoryBlockDevice d = new MemoryBlockDevice(name, sectors * TargetArgs.SECTOR);
        byName.put(name, d);
        return d;
    }

    /** Registers {@code device} as {@code name}. */
    public <T extends BlockDevice> T add(String name, T device) {
        byName.put(name, device);
        return device;
    }

    @Override
    public BlockDevice resolve(String name) {
        BlockDevice d = byName.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no such device");
        }
        return d;
    }

    /** Waits for {@code f} (bounded, so a bug fails instead of hanging). */
    public static <T> T await(Future<T> f) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** The failure cause of {@code f}, which must fail. */
    public static Throwable failure(Future<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return Join.unwrap(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    /** {@code n} bytes of a pattern derived from {@code seed}. */
    public static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 9));
        }
        return b;
    }

    /** Bytes of an ASCII string. */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads {@code n} bytes at {@code offset} synchronously. */
    public static byte[] read(BlockDevice d, long offset, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        await(d.read(offset, b));
        return b.array();
    }

    /** Writes {@code data} at {@code offset} synchronously. */
    public static void write(BlockDevice d, long offset, byte[] data) {
        await(d.write(offset, ByteBuffer.wrap(data), false));
    }
}
