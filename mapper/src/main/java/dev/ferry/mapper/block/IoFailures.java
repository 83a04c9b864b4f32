package dev.ferry.mapper.block;

import dev.ferry.mapper.nativeio.Errno;
import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.mapper.nativeio.NativeIoException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;

/**
 * Builds the {@link BlockIoException}s of one file-backed device: every message names the path, the
 * operation, its offset and length, and the kind follows the errno behind the failure.
 */
final class IoFailures {

    private final Path path;
    private final NativeIo io;

    IoFailures(Path path, NativeIo io) {
        this.path = path;
        this.io = io;
    }

    /** A failure of a given kind. */
    BlockIoException of(BlockIoException.Kind kind, String op, long offset, long length, String why,
            Throwable cause) {
        return new BlockIoException(kind, path + ": " + op + " offset=" + offset + " length=" + length + ": " + why,
                cause);
    }

    /** Classifies what an operation threw. */
    BlockIoException translate(String op, long offset, long length, Throwable t) {
        if (t instanceof BlockIoException) {
            return (BlockIoException) t;
        }
        if (t instanceof NativeIoException) {
            return of(kindOf(((NativeIoException) t).errno()), op, offset, length, t.getMessage(), t);
        }
        if (t instanceof ClosedChannelException) {
            return of(BlockIoException.Kind.IO_ERROR, op, offset, length,
                    "file channel closed under the device (an I/O thread was interrupted?)", t);
        }
        if (t instanceof IOException) {
            BlockIoException.Kind kind = io.errnoOf((IOException) t).stream()
                    .mapToObj(IoFailures::kindOf).findFirst().orElse(BlockIoException.Kind.IO_ERROR);
            return of(kind, op, offset, length, t.getMessage(), t);
        }
        return of(BlockIoException.Kind.IO_ERROR, op, offset, length, String.valueOf(t), t);
    }

    /** The block I/O failure kind for an error number. */
    static BlockIoException.Kind kindOf(int errno) {
        Errno e = Errno.of(errno);
        if (e == null) {
            return BlockIoException.Kind.IO_ERROR;
        }
        return switch (e) {
            case ENOSPC, EDQUOT, EFBIG -> BlockIoException.Kind.NO_SPACE;
            case EOPNOTSUPP -> BlockIoException.Kind.NOT_SUPPORTED;
            case EINVAL -> BlockIoException.Kind.INVALID;
            case EROFS, EPERM, EACCES -> BlockIoException.Kind.READ_ONLY;
            default -> BlockIoException.Kind.IO_ERROR;
        };
    }
}
