package dev.ferry.nbd.server;

import dev.ferry.nbd.codec.NegotiatedSession;
import dev.ferry.nbd.codec.ServerHandshakeMessage;
import dev.ferry.nbd.export.Export;
import java.util.List;

/**
 * What the server does after one handshake message: send {@code replies}, then continue, start TLS, close, or
 * enter transmission on {@code export} with {@code session}.
 *
 * @param replies messages to send, in order
 * @param outcome what happens after they are sent
 * @param export  the selected export (TRANSMISSION only)
 * @param session the negotiated session (TRANSMISSION only)
 */
record NegotiationStep(List<ServerHandshakeMessage> replies, Outcome outcome, Export export,
                       NegotiatedSession session) {

    /** The ways a handshake step can end. */
    enum Outcome {
        /** Keep reading options. */
        CONTINUE,
        /** Send the replies in plain text, then start TLS and keep reading options over it. */
        STARTTLS,
        /** Close the connection once the replies are flushed. */
        CLOSE,
        /** Switch the connection to the transmission phase. */
        TRANSMISSION
    }

    static NegotiationStep reply(ServerHandshakeMessage... replies) {
        return new NegotiationStep(List.of(replies), Outcome.CONTINUE, null, null);
    }

    static NegotiationStep replies(List<ServerHandshakeMessage> replies) {
        return new NegotiationStep(List.copyOf(replies), Outcome.CONTINUE, null, null);
    }

    static NegotiationStep startTls(ServerHandshakeMessage ack) {
        return new NegotiationStep(List.of(ack), Outcome.STARTTLS, null, null);
    }

    static NegotiationStep close(ServerHandshakeMessage... replies) {
        return new NegotiationStep(List.of(replies), Outcome.CLOSE, null, null);
    }

    static NegotiationStep transmission(List<ServerHandshakeMessage> replies, Export export,
                                        NegotiatedSession session) {
        return new NegotiationStep(List.copyOf(replies), Outcome.TRANSMISSION, export, session);
    }
}
