package dev.ferry.nbd.server;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The server's negotiation state machine: the diagram edges pass, every other pair throws naming both. */
class NegotiationStatesTest {

    private static final Map<OptionNegotiator.State, Set<OptionNegotiator.State>> HANDSHAKE = Map.of(
            OptionNegotiator.State.AWAIT_CLIENT_FLAGS, EnumSet.of(OptionNegotiator.State.OPTIONS,
                    OptionNegotiator.State.CLOSED),
            OptionNegotiator.State.OPTIONS, EnumSet.of(OptionNegotiator.State.TRANSMISSION,
                    OptionNegotiator.State.CLOSED),
            OptionNegotiator.State.TRANSMISSION, EnumSet.of(OptionNegotiator.State.CLOSED),
            OptionNegotiator.State.CLOSED, EnumSet.noneOf(OptionNegotiator.State.class));


    @Test
    void negotiationTransitionsAreTheDiagram() {
        TransitionTable.assertMatches(OptionNegotiator.State.values(), HANDSHAKE,
                OptionNegotiator.State::successors,
                OptionNegotiator.State::checkTransition,
                (from, to) -> "illegal negotiation transition " + from + " -> " + to);
    }
}
