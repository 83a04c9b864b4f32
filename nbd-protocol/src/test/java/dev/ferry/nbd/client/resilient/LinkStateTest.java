package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link LinkState}: the javadoc diagram's edges pass, every other pair throws naming both states. */
class LinkStateTest {

    private static final Map<LinkState, Set<LinkState>> DIAGRAM = Map.of(
            LinkState.UP, EnumSet.of(LinkState.RECONNECTING, LinkState.CLOSED),
            LinkState.RECONNECTING, EnumSet.of(LinkState.UP, LinkState.FAILED, LinkState.CLOSED),
            LinkState.FAILED, EnumSet.of(LinkState.RECONNECTING, LinkState.CLOSED),
            LinkState.CLOSED, EnumSet.noneOf(LinkState.class));

    @Test
    void transitionsAreTheDiagram() {
        TransitionTable.assertMatches(LinkState.values(), DIAGRAM, LinkState::successors,
                LinkState::checkTransition, (from, to) -> "NBD link cannot go from " + from + " to " + to);
    }
}
