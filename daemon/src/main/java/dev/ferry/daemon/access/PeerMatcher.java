package dev.ferry.daemon.access;

import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.access.SubjectAltName;
import dev.ferry.nbd.access.UnixCredentials;
import java.net.InetAddress;
import javax.security.auth.x500.X500Principal;

/** The identity part of a rule: which peers it applies to. */
sealed interface PeerMatcher {

    /** Whether the rule applies to {@code peer}. */
    boolean matches(NbdPeer peer);

    /** Every peer. */
    record Any() implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return true;
        }
    }

    /**
     * TCP peers whose source address lies in {@code network}/{@code prefix} (a single address has the full prefix).
     *
     * @param network the network's address; bits past the prefix are ignored
     * @param prefix  how many leading bits must equal the network's
     */
    record Address(InetAddress network, int prefix) implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return peer.address().filter(this::contains).isPresent();
        }

        private boolean contains(InetAddress a) {
            byte[] want = network.getAddress();
            byte[] got = a.getAddress();
            if (want.length != got.length) {
                return false;
            }
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) {
                if (want[i] != got[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            int mask = (0xff << (8 - rest)) & 0xff;
            return rest == 0 || (want[whole] & mask) == (got[whole] & mask);
        }
    }

    /** Unix-socket peers running as user {@code uid}. */
    record Uid(int uid) implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return peer.credentials().map(UnixCredentials::uid).filter(u -> u == uid).isPresent();
        }
    }

    /** Unix-socket peers whose primary group is {@code gid}. */
    record Gid(int gid) implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return peer.credentials().map(UnixCredentials::gid).filter(g -> g == gid).isPresent();
        }
    }

    /**
     * Peers whose verified TLS client certificate has this subject, compared in canonical form (so case and spacing
     * around separators do not matter; the order of the attributes does).
     */
    record Subject(X500Principal subject) implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return peer.certificateSubject().filter(subject::equals).isPresent();
        }
    }

    /** Peers whose verified TLS client certificate carries this subject alternative name. */
    record San(SubjectAltName name) implements PeerMatcher {
        @Override
        public boolean matches(NbdPeer peer) {
            return peer.certificateNames().contains(name);
        }
    }
}
