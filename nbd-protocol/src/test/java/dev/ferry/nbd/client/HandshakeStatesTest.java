package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's handshake state machine: the diagram edges pass, every other pair throws naming both states. */
class HandshakeStatesTest {

    private static final Map<NegotiationHandler.State, Set<NegotiationHandler.State>> HANDSHAKE = Map.ofEntries(
            Map.entry(NegotiationHandler.State.AWAIT_GREETING, EnumSet.of(NegotiationHandler.State.EXTENDED_HEADERS,
                    NegotiationHandler.State.STRUCTURED_REPLY, NegotiationHandler.State.GO,
                    NegotiationHandler.State.INFO, NegotiationHandler.State.LIST, NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.EXTENDED_HEADERS, EnumSet.of(NegotiationHandler.State.STRUCTURED_REPLY,
                    NegotiationHandler.State.SET_META_CONTEXT, NegotiationHandler.State.GO,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.STRUCTURED_REPLY, EnumSet.of(NegotiationHandler.State.SET_META_CONTEXT,
                    NegotiationHandler.State.GO, NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.SET_META_CONTEXT, EnumSet.of(NegotiationHandler.State.GO,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.GO, EnumSet.of(NegotiationHandler.State.EXPORT_NAME,
                    NegotiationHandler.State.DONE, NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.EXPORT_NAME, EnumSet.of(NegotiationHandler.State.DONE,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.INFO, EnumSet.of(NegotiationHandler.State.ABORT,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.LIST, EnumSet.of(NegotiationHandler.State.ABORT,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.ABORT, EnumSet.of(NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.DONE, EnumSet.noneOf(NegotiationHandler.State.class)),
            Map.entry(NegotiationHandler.State.FAILED, EnumSet.noneOf(NegotiationHandler.State.class)));


    @Test
    void handshakeTransitionsAreTheDiagram() {
        for (NegotiationHandler.State from : NegotiationHandler.State.values()) {
            assertThat(from.successors()).as(from.name()).isEqualTo(HANDSHAKE.get(from));
            assertThat(from.terminal()).as(from.name()).isEqualTo(HANDSHAKE.get(from).isEmpty());
            for (NegotiationHandler.State to : NegotiationHandler.State.values()) {
                if (HANDSHAKE.get(from).contains(to)) {
                    from.checkTransition(to);
                } else {
                    assertThatThrownBy(() -> from.checkTransition(to)).as(from + " -> " + to)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("negotiation cannot move from " + from + " to " + to);
                }
            }
        }
    }
}
