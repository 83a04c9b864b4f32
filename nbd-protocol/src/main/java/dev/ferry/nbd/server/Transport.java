package dev.ferry.nbd.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/** The Netty transport a server uses; AUTO picks epoll when available, else NIO. */
public enum Transport {
    /** Epoll if available, otherwise NIO. */
    AUTO,
    /** Linux epoll. */
    EPOLL,
    /** Linux io_uring. */
    IO_URING,
    /** Java NIO, available everywhere. */
    NIO;

    /** The concrete transport this choice resolves to; fails if an explicit native one is unavailable. */
    public Transport resolve() {
        return switch (this) {
            case AUTO -> Epoll.isAvailable() ? EPOLL : NIO;
            case EPOLL -> {
                Epoll.ensureAvailability();
                yield EPOLL;
            }
            case IO_URING -> {
                IoUring.ensureAvailability();
                yield IO_URING;
            }
            case NIO -> NIO;
        };
    }

    IoHandlerFactory ioHandlerFactory() {
        return switch (resolve()) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return switch (resolve()) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            default -> NioServerSocketChannel.class;
        };
    }
}
