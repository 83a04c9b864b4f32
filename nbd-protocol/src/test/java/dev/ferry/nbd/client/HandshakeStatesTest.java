package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's handshake state machine: the diagram edges pass, every other pair throws naming both states. */
class HandshakeStatesTest {

    private static final Map<NegotiationHandler.State, Set<NegotiationHandler.State>> HANDSHAKE = Map.ofEntries(
            Map.entry(NegotiationHandler.State.AWAIT_GREETING, EnumSet.of(NegotiationHandler.State.STARTTLS,
                    NegotiationHandler.State.EXTENDED_HEADERS, NegotiationHandler.State.STRUCTURED_REPLY,
                    NegotiationHandler.State.GO, NegotiationHandler.State.INFO, NegotiationHandler.State.LIST,
                    NegotiationHandler.State.FAILED)),
            Map.entry(NegotiationHandler.State.STARTTLS, EnumSet.of(NegotiationHandler.State.EXTENDED_HEADERS,
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
        TransitionTable.assertMatches(NegotiationHandler.State.values(), HANDSHAKE,
                NegotiationHandler.State::successors,
                NegotiationHandler.State::checkTransition,
                (from, to) -> "negotiation cannot move from " + from + " to " + to);
        for (NegotiationHandler.State s : NegotiationHandler.State.values()) {
            assertThat(s.terminal()).as(s.name()).isEqualTo(HANDSHAKE.get(s).isEmpty());
        }
    }
}
