package dev.ferry.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        for (OptionNegotiator.State from : OptionNegotiator.State.values()) {
            assertThat(from.successors()).as(from.name()).isEqualTo(HANDSHAKE.get(from));
            for (OptionNegotiator.State to : OptionNegotiator.State.values()) {
                if (HANDSHAKE.get(from).contains(to)) {
                    from.checkTransition(to);
                } else {
                    assertThatThrownBy(() -> from.checkTransition(to)).as(from + " -> " + to)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("illegal negotiation transition " + from + " -> " + to);
                }
            }
        }
    }
}
