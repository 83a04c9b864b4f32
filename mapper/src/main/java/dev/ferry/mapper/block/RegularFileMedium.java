package dev.ferry.mapper.block;

import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.mapper.nativeio.NativeIoException;
import dev.ferry.mapper.nativeio.OwnedFd;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A regular file: holes are punched with fallocate, zeroes use ZERO_RANGE (or punch then allocate,
 * or written zero buffers), and allocation comes from lseek SEEK_DATA/SEEK_HOLE. Which fallocate modes
 * the file system refuses with EOPNOTSUPP is learnt on first use and not retried.
 */
final class RegularFileMedium implements Medium {

    private static final Logger LOG = LoggerFactory.getLogger(RegularFileMedium.class);

    /** The fallocate modes this medium uses. */
    private enum Mode { PUNCH_HOLE, ZERO_RANGE, ALLOCATE }

    private final NativeIo io;
    private final OwnedFd fd;
    private final FileChannel channel;
    private final Set<Mode> refused = ConcurrentHashMap.newKeySet();

    RegularFileMedium(NativeIo io, OwnedFd fd, FileChannel channel) {
        this.io = io;
        this.fd = fd;
        this.channel = channel;
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public boolean regularFile() {
        return true;
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        tryFallocate(Mode.PUNCH_HOLE, offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        if (mayUnmap && tryFallocate(Mode.PUNCH_HOLE, offset, length)) {
            return;
        }
        if (tryFallocate(Mode.ZERO_RANGE, offset, length)) {
            return;
        }
        if (!refused.contains(Mode.ALLOCATE) && tryFallocate(Mode.PUNCH_HOLE, offset, length)
                && tryFallocate(Mode.ALLOCATE, offset, length)) {
            return;
        }
        ChannelIo.writeZeroes(channel, offset, length);
    }

    @Override
    public boolean fastZeroes() {
        return !refused.contains(Mode.ZERO_RANGE)
                || !(refused.contains(Mode.PUNCH_HOLE) || refused.contains(Mode.ALLOCATE));
    }

    /** Applies a mode unless the file system refused it before; false when it is refused (EOPNOTSUPP). */
    private boolean tryFallocate(Mode mode, long offset, long length) throws NativeIoException {
        if (refused.contains(mode)) {
            return false;
        }
        try {
            switch (mode) {
                case PUNCH_HOLE:
                    io.punchHole(fd, offset, length);
                    break;
                case ZERO_RANGE:
                    io.zeroRange(fd, offset, length);
                    break;
                default:
                    io.allocate(fd, offset, length);
                    break;
            }
            return true;
        } catch (NativeIoException e) {
            if (!e.notSupported()) {
                throw e;
            }
            if (refused.add(mode)) {
                LOG.debug("{}: fallocate {} not supported here, using fallbacks", fd.path(), mode);
            }
            return false;
        }
    }

    @Override
    public List<Extent> allocation(long offset, long length) throws IOException {
        List<Extent> out = new ArrayList<>();
        long end = offset + length;
        long pos = offset;
        while (pos < end && out.size() < MAX_EXTENTS) {
            long data = io.seekData(fd, pos);
            if (data < 0 || data >= end) {
                out.add(Extent.hole(pos, end - pos));
                break;
            }
            if (data > pos) {
                out.add(Extent.hole(pos, data - pos));
                pos = data;
                continue;
            }
            long hole = io.seekHole(fd, pos);
            long next = hole < 0 ? end : Math.min(hole, end);
            out.add(Extent.data(pos, next - pos));
            pos = next;
        }
        return out;
    }
}
