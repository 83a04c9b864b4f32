package dev.ferry.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.nativeio.PeerCredentials;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who {@link ControlPeers} admits, by the credentials the kernel reports (the real check runs in ControlPeersProcessTest). */
class ControlPeersTest {
    private static final int DAEMON_UID = 1000;
    private static final ControlPeers.Group OPS = new ControlPeers.Group("ops", 500);

    @Test
    void rootTheDaemonsUserAndGroupMembersAreAdmitted() {
        ControlPeers peers = new ControlPeers(DAEMON_UID, Optional.of(OPS));
        assertThat(peers.admits(new PeerCredentials(1, 0, 0, Set.of()))).as("root").isTrue();
        assertThat(peers.admits(new PeerCredentials(1, DAEMON_UID, 1000, Set.of()))).as("the daemon's user").isTrue();
        assertThat(peers.admits(new PeerCredentials(1, 2000, 500, Set.of()))).as("effective group").isTrue();
        assertThat(peers.admits(new PeerCredentials(1, 2000, 2000, Set.of(7, 500)))).as("supplementary group").isTrue();
        assertThat(peers.admits(new PeerCredentials(1, 2000, 2000, Set.of(7)))).as("anyone else").isFalse();
    }

    @Test
    void withoutAGroupOnlyRootAndTheDaemonsUserAreAdmitted() {
        ControlPeers peers = new ControlPeers(DAEMON_UID, Optional.empty());
        assertThat(peers.admits(new PeerCredentials(1, 2000, 500, Set.of(500)))).isFalse();
        assertThat(peers.admits(new PeerCredentials(1, DAEMON_UID, 1000, Set.of()))).isTrue();
    }
}
