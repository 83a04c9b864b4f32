package dev.ferry.nbd.client.resilient;

import java.time.Instant;

/**
 * A snapshot of a link's health, for reports ({@code pvs}) and metrics.
 *
 * @param state       the current state
 * @param reconnects  how many times the link came back UP after a loss
 * @param losses      how many times an UP connection was lost (timeouts included)
 * @param lastFailure why the link last left UP or failed, or "" when it never did
 * @param since       when the link entered {@code state} (wall clock)
 */
public record LinkHealth(LinkState state, long reconnects, long losses, String lastFailure, Instant since) {
}
