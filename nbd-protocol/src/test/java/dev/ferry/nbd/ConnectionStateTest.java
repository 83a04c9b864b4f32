package dev.ferry.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        for (ConnectionState from : ConnectionState.values()) {
            assertThat(from.successors()).as(from.name()).isEqualTo(DIAGRAM.get(from));
            for (ConnectionState to : ConnectionState.values()) {
                if (DIAGRAM.get(from).contains(to)) {
                    from.checkTransition(to);
                } else {
                    assertThatThrownBy(() -> from.checkTransition(to)).as(from + " -> " + to)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("NBD connection cannot go from " + from + " to " + to);
                }
            }
        }
    }
}
