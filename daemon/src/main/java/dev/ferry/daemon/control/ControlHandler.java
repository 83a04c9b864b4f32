package dev.ferry.daemon.control;

/**
 * Handles one routed control request off the event loop.
 *
 * <p>The result is answered as follows: {@code null} gives 204 No Content; a {@link ControlResponse} is
 * sent as is; a {@link java.util.concurrent.CompletionStage} is answered when it completes (with its value
 * treated by these same rules); anything else is serialized with Jackson as a 200 JSON body. Throw
 * {@link ControlException} to refuse with a stable error name; other exceptions may be mapped with
 * {@link ControlRouter#mapException} and are otherwise answered 500 {@code INTERNAL_ERROR}.
 */
@FunctionalInterface
public interface ControlHandler {
    /** Handles {@code request}; see the type's javadoc for how the result is answered. */
    Object handle(ControlRequest request) throws Exception;
}
