package dev.ferry.daemon.control;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/** The Netty transport the control server runs on: epoll where available, else NIO (JDK 16+ Unix sockets). */
public enum ControlTransport {
    /** Linux epoll; Unix sockets via {@link EpollServerDomainSocketChannel}. */
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> unixServerChannel() {
            return EpollServerDomainSocketChannel.class;
        }

        @Override
        Class<? extends ServerChannel> tcpServerChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        SocketAddress unixAddress(Path path) {
            return new DomainSocketAddress(path.toString());
        }
    },
    /** JDK NIO; Unix sockets via {@link NioServerDomainSocketChannel}. */
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> unixServerChannel() {
            return NioServerDomainSocketChannel.class;
        }

        @Override
        Class<? extends ServerChannel> tcpServerChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        SocketAddress unixAddress(Path path) {
            return UnixDomainSocketAddress.of(path);
        }
    };

    /** Epoll when its native library loads here, otherwise NIO. */
    public static ControlTransport detect() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> unixServerChannel();

    abstract Class<? extends ServerChannel> tcpServerChannel();

    abstract SocketAddress unixAddress(Path path);
}
