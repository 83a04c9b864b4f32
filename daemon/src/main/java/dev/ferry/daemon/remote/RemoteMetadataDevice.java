package dev.ferry.daemon.remote;

import dev.ferry.daemon.metadata.MetadataDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A remote PV's label and metadata area, read and written synchronously through its {@link NbdBlockDevice}; each
 * call waits at most the device's {@link NbdBlockDevice#requestBound} (the NBD client fails a request before then;
 * a metadata write that gets no answer fails, and the PV is lost for it).
 */
final class RemoteMetadataDevice implements MetadataDevice {
    private final NbdBlockDevice device;
    private final Duration timeout;

    RemoteMetadataDevice(NbdBlockDevice device) {
        this.device = device;
        this.timeout = device.requestBound();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int inside = (int) Math.max(0, Math.min(dst.remaining(), device.size() - offset));
        ByteBuffer view = dst.duplicate();
        view.limit(view.position() + inside);
        await(device.read(offset, view), "read");
        dst.position(dst.position() + inside);
        while (dst.hasRemaining()) {
            dst.put((byte) 0);   // past the end reads as zero, as a file does
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (offset < 0 || offset > device.size() - src.remaining()) {
            throw new IOException("write of " + src.remaining() + " bytes at " + offset + " lies past the end of "
                    + device.describe() + " (" + device.size() + " bytes)");
        }
        await(device.write(offset, src, false), "write");
        src.position(src.limit());
    }

    @Override
    public void sync() throws IOException {
        await(device.flush(), "flush");
    }

    private void await(CompletableFuture<Void> io, String what) throws IOException {
        try {
            io.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw NbdBlockDevice.toBlockIo(e.getCause(), "metadata " + what);
        } catch (TimeoutException e) {
            throw new IOException("metadata " + what + " on " + device.describe() + " got no answer within "
                    + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during metadata " + what + " on " + device.describe(), e);
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
