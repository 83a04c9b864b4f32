package dev.ferry.nbd.access;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;

/**
 * Who is at the other end of an NBD connection, as far as the server knows it at a point of the handshake: the
 * source address of a TCP peer, the credentials of a Unix-socket peer, and, once a STARTTLS handshake verified it,
 * the subject and subject alternative names of the client certificate.
 *
 * @param address            the TCP source address; empty over a Unix socket
 * @param credentials        the Unix-socket peer's credentials; empty over TCP
 * @param certificateSubject the subject of a client certificate the TLS handshake verified; empty before TLS or
 *                           without a client certificate
 * @param certificateNames   the subject alternative names of that certificate; empty without one
 */
public record NbdPeer(Optional<InetAddress> address, Optional<UnixCredentials> credentials,
                      Optional<X500Principal> certificateSubject, List<SubjectAltName> certificateNames) {

    /** Checks that nothing is null. */
    public NbdPeer {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(certificateSubject, "certificateSubject");
        certificateNames = List.copyOf(certificateNames);
    }

    /** A peer known by its TCP source address. */
    public static NbdPeer tcp(InetAddress address) {
        return new NbdPeer(Optional.of(address), Optional.empty(), Optional.empty(), List.of());
    }

    /** A peer known by its Unix-socket credentials. */
    public static NbdPeer unix(UnixCredentials credentials) {
        return new NbdPeer(Optional.empty(), Optional.of(credentials), Optional.empty(), List.of());
    }

    /** A peer the server knows nothing about (a transport that reports neither address nor credentials). */
    public static NbdPeer unknown() {
        return new NbdPeer(Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * This peer after a TLS handshake that verified a client certificate with {@code subject} and subject alternative
     * {@code names} (or none: an empty subject and no names).
     */
    public NbdPeer withCertificate(Optional<X500Principal> subject, List<SubjectAltName> names) {
        return new NbdPeer(address, credentials, subject, names);
    }

    /** How logs name the peer, e.g. {@code 127.0.0.1 subject CN=backup} or {@code uid 0 gid 0 pid 42}. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        address.ifPresent(a -> s.append(a.getHostAddress()));
        credentials.ifPresent(c -> s.append("uid ").append(c.uid()).append(" gid ").append(c.gid())
                .append(" pid ").append(c.pid()));
        certificateSubject.ifPresent(p -> s.append(s.isEmpty() ? "" : " ").append("subject ")
                .append(p.getName(X500Principal.RFC2253)));
        if (!certificateNames.isEmpty()) {
            s.append(" names ").append(certificateNames.stream().map(SubjectAltName::toString)
                    .collect(Collectors.joining(",")));
        }
        return s.isEmpty() ? "unknown peer" : s.toString();
    }
}
