package dev.ferry.nbd.server;

import static dev.ferry.nbd.server.NbdServer.State.NEW;
import static dev.ferry.nbd.server.NbdServer.State.RUNNING;
import static dev.ferry.nbd.server.NbdServer.State.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.server.NbdServer.State;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import dev.ferry.nbd.testing.TransitionTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The server's NEW / RUNNING / STOPPED life cycle: the enum's edges, and how start and close walk them. */
class NbdServerLifecycleTest {
    /** The edges drawn in NbdServer.State's javadoc. */
    private static final Map<State, Set<State>> DIAGRAM = Map.of(
            NEW, EnumSet.of(RUNNING, STOPPED),
            RUNNING, EnumSet.of(STOPPED),
            STOPPED, EnumSet.noneOf(State.class));

    private static NbdServer server() {
        return NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 1 << 20))).port(0).build();
    }

    @Test
    void everyLegalTransitionIsAcceptedAndEveryOtherThrowsNamingBothStates() {
        TransitionTable.assertMatches(State.values(), DIAGRAM, State::successors, State::checkTransition,
                (from, to) -> "NBD server cannot go from " + from + " to " + to);
    }

    @Test
    void startThenCloseGoesThroughRunningToStoppedAndASecondCloseIsANoOp() throws Exception {
        NbdServer s = server();
        assertThat(s.state()).isEqualTo(NEW);
        int port = s.start().getPort();
        assertThat(s.state()).isEqualTo(RUNNING);
        assertThat(s.port()).isEqualTo(port);
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NBD server cannot go from RUNNING to RUNNING");
        s.close();
        assertThat(s.state()).isEqualTo(STOPPED);
        s.close();
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThatThrownBy(s::localAddress).isInstanceOf(IllegalStateException.class)
                .hasMessage("server is STOPPED, expected RUNNING");
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NBD server cannot go from STOPPED to RUNNING");
    }

    @Test
    void aCloseBeforeStartEndsStopped() {
        NbdServer s = server();
        s.close();
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("NBD server cannot go from STOPPED to RUNNING");
    }

    @Test
    void aFailedBindEndsStopped() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NbdServer s = NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 1 << 20)))
                    .host("127.0.0.1").port(taken.getLocalPort()).build();
            assertThatThrownBy(s::start).isInstanceOf(IOException.class);
            assertThat(s.state()).isEqualTo(STOPPED);
            s.close();
            assertThat(s.state()).isEqualTo(STOPPED);
        }
    }

    @Test
    void anInheritedSocketNeedsTheEpollTransportAndLeavesTheServerNewOtherwise() {
        NbdServer s = NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 1 << 20)))
                .transport(Transport.NIO).build();
        assertThatThrownBy(() -> s.startOn(new InheritedListener(3, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("serving an inherited fd 3 (unix) needs the epoll transport, not NIO");
        assertThat(s.state()).isEqualTo(NEW);
        assertThatThrownBy(() -> new InheritedListener(-1, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
