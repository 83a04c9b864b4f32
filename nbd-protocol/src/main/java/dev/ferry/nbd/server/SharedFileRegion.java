package dev.ferry.nbd.server;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A zero-copy file region over a {@link FileChannel} shared by many reads: unlike its parent, it does
 * not close the channel when released. (Epoll checks {@code instanceof DefaultFileRegion}, so a
 * subclass keeps native sendfile.)
 */
final class SharedFileRegion extends DefaultFileRegion {

    SharedFileRegion(FileChannel channel, long position, long count) {
        super(channel, position, count);
    }

    @Override
    protected void deallocate() {
        // The channel belongs to the export; nothing to release here.
    }
}
