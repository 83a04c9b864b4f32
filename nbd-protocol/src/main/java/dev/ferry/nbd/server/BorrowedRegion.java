package dev.ferry.nbd.server;

import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A READ reply's {@link ReadResult.Borrowed borrowed} bytes on their way into the socket: every write has the kernel
 * copy them straight from the lender's memory (a file's cached pages), with no buffer in between.
 *
 * <p>The lender wants its bytes back soon (a device pin that keeps their meaning stable can hold up a table swap while
 * they are out), so a region the socket has not taken entirely when {@link ReadReplyWriter} asks it to
 * {@link #detach()} copies what is left into a buffer of its own and gives the bytes back; the rest of the reply then
 * leaves from that copy. Confined to its channel's event loop: written, detached and released there only.
 */
final class BorrowedRegion extends AbstractReferenceCounted implements FileRegion {

    private final ReadResult.Borrowed chunk;
    private final ByteBufAllocator alloc;
    private final long count;
    /** The bytes from {@link #base} on: the borrowed ones, or the own copy's once detached. */
    private ByteBuffer source;
    private long base;
    private ByteBuf own;
    private boolean givenBack;
    private long transferred;

    BorrowedRegion(ReadResult.Borrowed chunk, ByteBufAllocator alloc) {
        this.chunk = chunk;
        this.alloc = alloc;
        this.source = chunk.bytes();
        this.count = source.remaining();
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Deprecated
    @Override
    public long transfered() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        if (position < base || position > count) {
            throw new IllegalArgumentException("position " + position + " outside [" + base + ", " + count + "]");
        }
        if (refCnt() == 0) {
            throw new IllegalStateException("borrowed region of " + count + " bytes written after its release");
        }
        ByteBuffer view = source.duplicate();
        view.position((int) (position - base));
        int written = target.write(view);
        transferred += written;
        return written;
    }

    /**
     * Copies the bytes the socket has not taken yet into an own buffer and gives the borrowed ones back; does nothing
     * once they are given back. A copy that fails (no memory for it, or a fault reading the lender's memory) keeps
     * them borrowed and is thrown.
     */
    void detach() {
        if (givenBack || refCnt() == 0) {
            return;
        }
        int left = (int) (count - transferred);
        ByteBuf copy = alloc.directBuffer(left, left);
        try {
            ByteBuffer rest = source.duplicate();
            rest.position((int) (transferred - base));
            copy.writeBytes(rest);
        } catch (RuntimeException | InternalError e) {
            copy.release();
            throw e;
        }
        own = copy;
        source = copy.nioBuffer();
        base = transferred;
        giveBack();
    }

    @Override
    protected void deallocate() {
        if (own != null) {
            own.release();
            own = null;
        }
        giveBack();
    }

    private void giveBack() {
        if (!givenBack) {
            givenBack = true;
            chunk.release();
        }
    }

    @Override
    public BorrowedRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public BorrowedRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public BorrowedRegion touch() {
        return this;
    }

    @Override
    public BorrowedRegion touch(Object hint) {
        return this;
    }
}
