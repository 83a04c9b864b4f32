package dev.ferry.daemon.control;

import static dev.ferry.daemon.control.ControlServer.State.NEW;
import static dev.ferry.daemon.control.ControlServer.State.RUNNING;
import static dev.ferry.daemon.control.ControlServer.State.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.control.ControlServer.State;
import dev.ferry.nbd.testing.TransitionTable;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The control server's NEW / RUNNING / STOPPED life cycle: the enum's edges, and how start and stop walk them. */
class ControlServerStateTest {
    /** The edges drawn in ControlServer.State's javadoc. */
    private static final Map<State, Set<State>> DIAGRAM = Map.of(
        NEW, EnumSet.of(RUNNING, STOPPED),
        RUNNING, EnumSet.of(STOPPED),
        STOPPED, EnumSet.noneOf(State.class));

    private static ControlServer server() {
        return new ControlServer(List.of(ControlEndpoint.parse("127.0.0.1:0")), new ControlRouter(), ControlGate.OPEN,
            ControlTransport.NIO, 4096, ControlToken.of("state-test"));
    }

    @Test
    void everyLegalTransitionIsAcceptedAndEveryOtherThrowsNamingBothStates() {
        TransitionTable.assertMatches(State.values(), DIAGRAM, State::successors, State::checkTransition,
                (from, to) -> "control server cannot go from " + from + " to " + to);
    }

    @Test
    void startThenStopGoesThroughRunningToStoppedAndASecondStopIsANoOp() throws Exception {
        ControlServer s = server();
        assertThat(s.state()).isEqualTo(NEW);
        s.start();
        try {
            assertThat(s.state()).isEqualTo(RUNNING);
            assertThat(s.tcpAddress()).isPresent();
            assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("control server cannot go from RUNNING to RUNNING");
        } finally {
            assertThat(s.stop(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThat(s.stop(Duration.ofSeconds(5))).isTrue();
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
            .hasMessage("control server cannot go from STOPPED to RUNNING");
    }

    @Test
    void aStopBeforeStartEndsStoppedWithoutOpeningAnything() throws Exception {
        ControlServer s = server();
        assertThat(s.stop(Duration.ofSeconds(5))).isTrue();
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThat(s.eventLoops()).isEmpty();
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
            .hasMessage("control server cannot go from STOPPED to RUNNING");
    }
}
