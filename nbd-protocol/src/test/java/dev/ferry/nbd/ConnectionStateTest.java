package dev.ferry.nbd;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ConnectionState}: the diagram edges pass, every other pair throws naming both states. */
class ConnectionStateTest {

    private static final Map<ConnectionState, Set<ConnectionState>> DIAGRAM = Map.of(
            ConnectionState.OPEN, EnumSet.of(ConnectionState.DRAINING, ConnectionState.CLOSED),
            ConnectionState.DRAINING, EnumSet.of(ConnectionState.CLOSED),
            ConnectionState.CLOSED, EnumSet.noneOf(ConnectionState.class));

    @Test
    void transitionsAreTheDiagram() {
        TransitionTable.assertMatches(ConnectionState.values(), DIAGRAM,
                ConnectionState::successors,
                ConnectionState::checkTransition,
                (from, to) -> "NBD connection cannot go from " + from + " to " + to);
    }
}
