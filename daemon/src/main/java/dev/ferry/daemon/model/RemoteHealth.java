package dev.ferry.daemon.model;

import java.util.Locale;
import java.util.Objects;

/**
 * The health of a remote PV's connection as reports and metrics show it: {@code connected}, {@code reconnecting}
 * or {@code failed}, with the reason of the last failure ("" while connected and never failed).
 *
 * @param state  the connection's state
 * @param reason why it is not (or was last not) connected, or ""
 */
public record RemoteHealth(State state, String reason) {
    /** A remote PV connection's states. */
    public enum State {
        /** Connected and answering. */
        CONNECTED,
        /** Lost and being re-established; requests wait (a state the NBD client reports, when it can). */
        RECONNECTING,
        /** Lost, refused or unreachable: its I/O fails. */
        FAILED;

        /** The state as reports write it. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks the components. */
    public RemoteHealth {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    /** {@code state}, or {@code state: reason} when there is a reason. */
    @Override
    public String toString() {
        return reason.isEmpty() ? state.text() : state.text() + ": " + reason;
    }

    /** Where the health of remote PVs comes from (the remote-PV layer; nothing without one). */
    @FunctionalInterface
    public interface Source {
        /** No remote PVs are connected: none has a health beyond what the catalog refused. */
        Source NONE = uri -> java.util.Optional.empty();

        /** The health of the remote PV at {@code uri} (canonical), if a connection to it was ever made. */
        java.util.Optional<RemoteHealth> health(String uri);

        /**
         * Tells {@code seen} the URI of every remote PV this source has tried to connect to, now and from now on
         * (once each); a source without remote PVs tells nothing.
         */
        default void watch(java.util.function.Consumer<String> seen) {
        }
    }
}
