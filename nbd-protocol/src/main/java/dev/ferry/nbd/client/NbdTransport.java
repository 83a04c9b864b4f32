package dev.ferry.nbd.client;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/** The Netty transport a client connection uses; {@link #AUTO} picks epoll when it is available, else NIO. */
public enum NbdTransport {
    /** Epoll if the native library loads, otherwise NIO. */
    AUTO,
    /** Linux epoll (native). */
    EPOLL,
    /** Java NIO. */
    NIO;

    /** The concrete transport: {@link #AUTO} resolved against what this machine supports. */
    public NbdTransport resolve() {
        if (this != AUTO) {
            return this;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The I/O handler factory for an event loop group of this (resolved) transport. */
    public IoHandlerFactory ioHandlerFactory() {
        return switch (resolve()) {
            case EPOLL -> EpollIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
    }

    /** The Unix domain socket channel class of this (resolved) transport. */
    public Class<? extends Channel> domainChannelClass() {
        return switch (resolve()) {
            case EPOLL -> EpollDomainSocketChannel.class;
            default -> NioDomainSocketChannel.class;
        };
    }

    /** The address of the Unix domain socket at {@code path} as this (resolved) transport's channels take it. */
    public SocketAddress domainAddress(Path path) {
        return switch (resolve()) {
            case EPOLL -> new DomainSocketAddress(path.toString());
            default -> UnixDomainSocketAddress.of(path);
        };
    }

    /** The socket channel class of this (resolved) transport. */
    public Class<? extends SocketChannel> channelClass() {
        return switch (resolve()) {
            case EPOLL -> EpollSocketChannel.class;
            default -> NioSocketChannel.class;
        };
    }
}
