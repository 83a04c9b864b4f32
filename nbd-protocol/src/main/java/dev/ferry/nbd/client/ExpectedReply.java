package dev.ferry.nbd.client;

/**
 * What the reply decoder knows about a pending request, so it can bound every chunk by the request.
 *
 * @param type   NBD_CMD_* of the request
 * @param flags  NBD_CMD_FLAG_* of the request
 * @param offset request offset
 * @param length request effect length
 */
record ExpectedReply(int type, int flags, long offset, long length) {

    /** Whether {@code [start, start + len)} lies inside the requested range (overflow-safe). */
    boolean contains(long start, long len) {
        return start >= offset && len >= 0 && start - offset <= length && len <= length - (start - offset);
    }
}
