package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A {@link MetadataDevice} over a {@link FileChannel} (regular file or block device node). */
public final class FileMetadataDevice implements MetadataDevice {
    private final FileChannel channel;

    private FileMetadataDevice(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens an existing file or device read-write. */
    public static FileMetadataDevice open(Path path) throws IOException {
        return new FileMetadataDevice(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            position += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        long position = offset;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
        CrashHook.afterWrite();
    }

    @Override
    public void sync() throws IOException {
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
