package dev.ferry.nbd.server;

import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.access.UnixCredentials;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds out who is at the other end of a connection, for the {@link dev.ferry.nbd.access.ExportAccess} checks. */
final class PeerIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentity.class);

    private PeerIdentity() {
    }

    /** The TCP source address, or the Unix peer's credentials ({@code SO_PEERCRED}); unknown when neither is had. */
    static NbdPeer of(Channel ch) {
        if (ch.remoteAddress() instanceof InetSocketAddress tcp && tcp.getAddress() != null) {
            return NbdPeer.tcp(tcp.getAddress());
        }
        if (ch instanceof EpollDomainSocketChannel unix) {
            try {
                PeerCredentials c = unix.peerCredentials();
                int[] gids = c.gids();
                return NbdPeer.unix(new UnixCredentials(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1));
            } catch (IOException e) {
                LOG.warn("NBD connection on {}: cannot read the peer's credentials: {}", ch.localAddress(),
                        e.toString());
            }
        }
        return NbdPeer.unknown();
    }

    /** The client certificate a finished TLS handshake verified, if the client presented one. */
    static Optional<X509Certificate> clientCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return Optional.empty();
        }
    }
}
