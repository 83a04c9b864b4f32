package dev.ferry.nbd.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a client notices a dead or hung server and how long it waits for one to come back.
 *
 * @param requestTimeout    a request unanswered this long after it was submitted fails with
 *                          {@link dev.ferry.nbd.client.resilient.NbdTimeoutException}, and if it was on the wire its
 *                          connection counts as dead (default 30 s); a request pending during a connection loss, or
 *                          submitted while reconnecting, gets the reconnect window on top, once
 * @param heartbeatInterval an UP connection with nothing in flight for this long gets a small READ, whose answer
 *                          is due within {@code requestTimeout} (default 2 s); zero switches heartbeats off
 * @param reconnectWindow   how long after a connection loss requests wait for a new connection before they fail
 *                          (default 10 s); zero fails them at once
 * @param userTimeout       TCP_USER_TIMEOUT on epoll sockets: unacknowledged data this old kills the connection in
 *                          the kernel (default 30 s); zero leaves the kernel default; NIO sockets ignore it
 */
public record NbdLiveness(Duration requestTimeout, Duration heartbeatInterval, Duration reconnectWindow,
                          Duration userTimeout) {

    /** The defaults: 30 s request timeout, 2 s heartbeat, 10 s reconnect window, 30 s user timeout. */
    public static final NbdLiveness DEFAULT = new NbdLiveness(Duration.ofSeconds(30), Duration.ofSeconds(2),
            Duration.ofSeconds(10), Duration.ofSeconds(30));

    /** Validates the settings: the request timeout positive, the others not negative. */
    public NbdLiveness {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(reconnectWindow, "reconnectWindow");
        Objects.requireNonNull(userTimeout, "userTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        for (Duration d : new Duration[] {heartbeatInterval, reconnectWindow, userTimeout}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("liveness durations must not be negative: " + d);
            }
        }
        if (userTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("userTimeout too long for TCP_USER_TIMEOUT: " + userTimeout);
        }
    }

    /** A copy with another request timeout. */
    public NbdLiveness withRequestTimeout(Duration d) {
        return new NbdLiveness(d, heartbeatInterval, reconnectWindow, userTimeout);
    }

    /** A copy with another heartbeat interval. */
    public NbdLiveness withHeartbeatInterval(Duration d) {
        return new NbdLiveness(requestTimeout, d, reconnectWindow, userTimeout);
    }

    /** A copy with another reconnect window. */
    public NbdLiveness withReconnectWindow(Duration d) {
        return new NbdLiveness(requestTimeout, heartbeatInterval, d, userTimeout);
    }

    /** A copy with another TCP user timeout. */
    public NbdLiveness withUserTimeout(Duration d) {
        return new NbdLiveness(requestTimeout, heartbeatInterval, reconnectWindow, d);
    }
}
