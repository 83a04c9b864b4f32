package dev.ferry.nbd.client;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

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

    /** The socket channel class of this (resolved) transport. */
    public Class<? extends SocketChannel> channelClass() {
        return switch (resolve()) {
            case EPOLL -> EpollSocketChannel.class;
            default -> NioSocketChannel.class;
        };
    }
}
