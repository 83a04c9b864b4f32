package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's two state machines: the diagram edges pass, every other pair throws naming both states. */
class ClientStatesTest {

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

    private static final Map<TransmissionHandler.State, Set<TransmissionHandler.State>> CONNECTION = Map.of(
            TransmissionHandler.State.OPEN, EnumSet.of(TransmissionHandler.State.DRAINING,
                    TransmissionHandler.State.CLOSED),
            TransmissionHandler.State.DRAINING, EnumSet.of(TransmissionHandler.State.CLOSED),
            TransmissionHandler.State.CLOSED, EnumSet.noneOf(TransmissionHandler.State.class));

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

    @Test
    void connectionTransitionsAreTheDiagram() {
        for (TransmissionHandler.State from : TransmissionHandler.State.values()) {
            assertThat(from.successors()).as(from.name()).isEqualTo(CONNECTION.get(from));
            for (TransmissionHandler.State to : TransmissionHandler.State.values()) {
                if (CONNECTION.get(from).contains(to)) {
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
