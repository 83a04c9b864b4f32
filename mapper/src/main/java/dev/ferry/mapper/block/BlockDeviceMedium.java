package dev.ferry.mapper.block;

import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.mapper.nativeio.NativeIoException;
import dev.ferry.mapper.nativeio.OwnedFd;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block device: size from BLKGETSIZE64, discards with BLKDISCARD and zeroes with BLKZEROOUT on the
 * part of a range aligned to the logical block size (BLKSSZGET); unaligned edges of a zeroed range are
 * written as zero buffers, unaligned edges of a discard are left alone. Every byte reports as data.
 */
final class BlockDeviceMedium implements Medium {

    private static final Logger LOG = LoggerFactory.getLogger(BlockDeviceMedium.class);

    private final NativeIo io;
    private final OwnedFd fd;
    private final FileChannel channel;
    private final long size;
    private final int blockSize;
    private final boolean hardwareZeroes;
    private volatile boolean discardWorks = true;
    private volatile boolean zeroOutWorks = true;

    private BlockDeviceMedium(NativeIo io, OwnedFd fd, FileChannel channel, long size, int blockSize,
            boolean hardwareZeroes) {
        this.io = io;
        this.fd = fd;
        this.channel = channel;
        this.size = size;
        this.blockSize = blockSize;
        this.hardwareZeroes = hardwareZeroes;
    }

    /**
     * Queries the device behind {@code fd}.
     *
     * @param rdev the device number ({@code st_rdev}), to read its queue limits from sysfs
     */
    static BlockDeviceMedium open(NativeIo io, OwnedFd fd, FileChannel channel, long rdev) throws IOException {
        long size = io.blockDeviceSize(fd);
        int blockSize = io.logicalBlockSize(fd);
        if (blockSize <= 0 || Integer.bitCount(blockSize) != 1) {
            throw new IOException(fd.path() + ": implausible logical block size " + blockSize);
        }
        return new BlockDeviceMedium(io, fd, channel, size, blockSize, writeZeroesMaxBytes(rdev) > 0);
    }

    /** The queue's {@code write_zeroes_max_bytes} (0: the kernel zeroes by writing pages), or 0 if unknown. */
    private static long writeZeroesMaxBytes(long rdev) {
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        Path dev = Path.of("/sys/dev/block", major + ":" + minor);
        for (Path queue : List.of(dev.resolve("queue"), dev.resolve("../queue"))) {
            Path limit = queue.resolve("write_zeroes_max_bytes");
            if (Files.isReadable(limit)) {
                try {
                    return Long.parseLong(Files.readString(limit, StandardCharsets.US_ASCII).trim());
                } catch (IOException | NumberFormatException e) {
                    LOG.debug("cannot read {}: {}", limit, e.toString());
                }
            }
        }
        return 0;
    }

    /** The logical block size in bytes. */
    int blockSize() {
        return blockSize;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean regularFile() {
        return false;
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        long start = alignUp(offset);
        long end = alignDown(offset + length);
        if (!discardWorks || start >= end) {
            return;
        }
        try {
            io.discardBlocks(fd, start, end - start);
        } catch (NativeIoException e) {
            if (!e.notSupported()) {
                throw e;
            }
            discardWorks = false;
            LOG.debug("{}: BLKDISCARD not supported, discards are ignored", fd.path());
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        long end = offset + length;
        long start = Math.min(end, alignUp(offset));
        long alignedEnd = Math.max(start, alignDown(end));
        if (start > offset) {
            ChannelIo.writeZeroes(channel, offset, start - offset);
        }
        if (alignedEnd > start && !zeroOut(start, alignedEnd - start)) {
            ChannelIo.writeZeroes(channel, start, alignedEnd - start);
        }
        if (end > alignedEnd) {
            ChannelIo.writeZeroes(channel, alignedEnd, end - alignedEnd);
        }
    }

    private boolean zeroOut(long offset, long length) throws NativeIoException {
        if (!zeroOutWorks) {
            return false;
        }
        try {
            io.zeroOutBlocks(fd, offset, length);
            return true;
        } catch (NativeIoException e) {
            if (!e.notSupported()) {
                throw e;
            }
            zeroOutWorks = false;
            LOG.debug("{}: BLKZEROOUT not supported, writing zeroes", fd.path());
            return false;
        }
    }

    @Override
    public boolean fastZeroes() {
        return hardwareZeroes && zeroOutWorks;
    }

    @Override
    public List<Extent> allocation(long offset, long length) {
        return List.of(Extent.data(offset, length));
    }

    private long alignUp(long v) {
        return (v + blockSize - 1) & -(long) blockSize;
    }

    private long alignDown(long v) {
        return v & -(long) blockSize;
    }
}
