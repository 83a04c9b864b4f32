package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_CACHE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_DF;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FAST_ZERO;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_NO_HOLE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_READ_ONLY;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_CACHE;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_DF;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FAST_ZERO;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_WRITE_ZEROES;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockSizeConstraints;

/**
 * Checks a request against what was negotiated (transmission flags, size, block size constraints, reply
 * format) before it is sent, so that a correct server never has to answer EINVAL to this client.
 */
final class RequestValidator {

    private final NbdExportInfo export;
    private final ReplyFormat format;
    private final boolean hasBaseAllocation;
    private final int minimumBlock;
    private final long maxPayload;

    RequestValidator(NbdExportInfo export, ReplyFormat format, boolean hasBaseAllocation) {
        this.export = export;
        this.format = format;
        this.hasBaseAllocation = hasBaseAllocation;
        BlockSizeConstraints bs = export.blockSize();
        this.minimumBlock = bs == null ? 1 : bs.minimum();
        this.maxPayload = bs == null ? NbdConstants.DEFAULT_MAX_PAYLOAD : bs.maxPayload();
    }

    /**
     * Throws {@link IllegalArgumentException} for a request outside the export or its constraints and
     * {@link UnsupportedOperationException} for one the server did not advertise.
     */
    void check(int type, int flags, long offset, long length) {
        requireFlagsAllowed(type, flags);
        switch (type) {
            case NBD_CMD_READ -> requireRange(type, offset, length, maxPayload);
            case NBD_CMD_WRITE -> {
                requireWritable(type);
                requireRange(type, offset, length, maxPayload);
            }
            case NBD_CMD_FLUSH -> {
                requireFlag(NBD_FLAG_SEND_FLUSH, "FLUSH");
                if (offset != 0 || length != 0) {
                    throw new IllegalArgumentException("FLUSH must have offset and length 0");
                }
            }
            case NBD_CMD_TRIM -> {
                requireFlag(NBD_FLAG_SEND_TRIM, "TRIM");
                requireWritable(type);
                requireRange(type, offset, length, effectLimit());
            }
            case NBD_CMD_WRITE_ZEROES -> {
                requireFlag(NBD_FLAG_SEND_WRITE_ZEROES, "WRITE_ZEROES");
                requireWritable(type);
                requireRange(type, offset, length, effectLimit());
            }
            case NBD_CMD_CACHE -> {
                requireFlag(NBD_FLAG_SEND_CACHE, "CACHE");
                requireRange(type, offset, length, effectLimit());
            }
            case NBD_CMD_BLOCK_STATUS -> {
                if (!hasBaseAllocation) {
                    throw new UnsupportedOperationException("BLOCK_STATUS needs the " + NbdConstants.BASE_ALLOCATION
                            + " meta context, which was not negotiated");
                }
                requireRange(type, offset, length, effectLimit());
            }
            default -> throw new IllegalArgumentException("command " + type + " is not sent through the typed API");
        }
    }

    private long effectLimit() {
        return format == ReplyFormat.EXTENDED ? Long.MAX_VALUE : 0xffffffffL;
    }

    private void requireFlagsAllowed(int type, int flags) {
        int allowed = NBD_CMD_FLAG_FUA;
        if (type == NBD_CMD_READ) {
            allowed |= NBD_CMD_FLAG_DF;
        } else if (type == NBD_CMD_WRITE_ZEROES) {
            allowed |= NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FAST_ZERO;
        } else if (type == NBD_CMD_BLOCK_STATUS) {
            allowed |= NBD_CMD_FLAG_REQ_ONE;
        }
        if ((flags & ~allowed) != 0) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags) + " not valid for command " + type);
        }
        if ((flags & NBD_CMD_FLAG_FUA) != 0) {
            requireFlag(NBD_FLAG_SEND_FUA, "FUA");
        }
        if ((flags & NBD_CMD_FLAG_DF) != 0) {
            requireFlag(NBD_FLAG_SEND_DF, "DF");
            if (format == ReplyFormat.SIMPLE) {
                throw new UnsupportedOperationException("DF needs structured replies");
            }
        }
        if ((flags & NBD_CMD_FLAG_FAST_ZERO) != 0) {
            requireFlag(NBD_FLAG_SEND_FAST_ZERO, "FAST_ZERO");
        }
    }

    private void requireFlag(int flag, String what) {
        if (!export.hasFlag(flag)) {
            throw new UnsupportedOperationException(what + " not supported by the server (transmission flags 0x"
                    + Integer.toHexString(export.transmissionFlags()) + ")");
        }
    }

    private void requireWritable(int type) {
        if (export.hasFlag(NBD_FLAG_READ_ONLY)) {
            throw new UnsupportedOperationException("command " + type + " on read-only export '" + export.name() + "'");
        }
    }

    private void requireRange(int type, long offset, long length, long maxLength) {
        if (offset < 0 || length <= 0 || length > maxLength) {
            throw new IllegalArgumentException("command " + type + " offset " + offset + " length " + length
                    + ": offset must be >= 0 and length in [1, " + maxLength + "]");
        }
        if (offset > export.size() || length > export.size() - offset) {
            throw new IllegalArgumentException("command " + type + " [" + offset + ", +" + length
                    + ") extends past the end of the export (" + export.size() + " bytes)");
        }
        if (offset % minimumBlock != 0 || length % minimumBlock != 0) {
            throw new IllegalArgumentException("command " + type + " [" + offset + ", +" + length
                    + ") is not aligned to the minimum block size " + minimumBlock);
        }
    }
}
