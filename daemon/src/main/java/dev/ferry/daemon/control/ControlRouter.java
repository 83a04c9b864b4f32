package dev.ferry.daemon.control;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The table of control routes (method + path pattern → handler) and of exception mappers (a malformed file path,
 * such as one with a NUL, is a 400 {@code INVALID_ARGUMENT} from the start); thread-safe,
 * routes may be added before or while the server runs.
 *
 * <p>{@link #add} routes are <em>operations</em>: they run one at a time on the single "control" thread
 * (so mutating volume operations are serialized) and are refused with 503 while the daemon is not
 * RUNNING. {@link #addSystem} routes (version, health, metrics, shutdown) run on a separate small pool
 * and are answered in every state.
 */
public final class ControlRouter {
    /** How a route is dispatched. */
    enum Dispatch {
        /** Serialized on the control thread, only while the daemon accepts operations. */
        OPERATION,
        /** Concurrent on the system pool, in every daemon state. */
        SYSTEM
    }

    /** A registered route. */
    record Route(HttpMethod method, PathPattern pattern, ControlHandler handler, Dispatch dispatch) {
    }

    /** A resolved request: the route and its bound path parameters. */
    record Match(Route route, Map<String, String> pathParams) {
    }

    private record Mapper<E extends Throwable>(Class<E> type, Function<? super E, ControlException> mapping) {
        ControlException apply(Throwable t) {
            return mapping.apply(type.cast(t));
        }
    }

    private volatile List<Route> routes = List.of();
    private final List<Mapper<?>> mappers = new CopyOnWriteArrayList<>(List.of(new Mapper<>(InvalidPathException.class,
        e -> new ControlException(ControlErrors.INVALID_ARGUMENT, 400, "not a valid path: " + e.getMessage()))));

    /**
     * Adds a serialized operation route, e.g. {@code add(HttpMethod.POST, "/v1/vgs/{vg}/lvs", handler)} (lvcreate,
     * installed by {@code dev.ferry.daemon.api.VolumeRoutes}).
     */
    public ControlRouter add(HttpMethod method, String pattern, ControlHandler handler) {
        return register(method, pattern, handler, Dispatch.OPERATION);
    }

    /** Adds a concurrent route answered in every daemon state; keep such handlers quick and read-only. */
    public ControlRouter addSystem(HttpMethod method, String pattern, ControlHandler handler) {
        return register(method, pattern, handler, Dispatch.SYSTEM);
    }

    /**
     * Maps exceptions of {@code type} (and subtypes) thrown by handlers to a {@link ControlException}, e.g.
     * a volume manager's typed exception to its stable error name; the first registered match wins.
     */
    public <E extends Throwable> ControlRouter mapException(Class<E> type, Function<? super E, ControlException> mapping) {
        mappers.add(new Mapper<>(Objects.requireNonNull(type), Objects.requireNonNull(mapping)));
        return this;
    }

    private synchronized ControlRouter register(HttpMethod method, String pattern, ControlHandler handler,
                                                Dispatch dispatch) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        PathPattern compiled = PathPattern.compile(pattern);
        for (Route r : routes) {
            if (r.method().equals(method) && r.pattern().shape().equals(compiled.shape())) {
                throw new IllegalArgumentException("route " + method + " " + pattern + " clashes with " + r.pattern());
            }
        }
        List<Route> sorted = new ArrayList<>(routes);
        sorted.add(new Route(method, compiled, handler, dispatch));
        sorted.sort(Comparator.comparingInt((Route r) -> r.pattern().literalCount()).reversed());
        routes = List.copyOf(sorted);
        return this;
    }

    /**
     * Resolves a request.
     *
     * @param rawPath the path as sent, percent-encoded, without the query string
     * @throws ControlException 400 {@code INVALID_ARGUMENT} for a segment with a bad percent escape or a control
     *                          character (NUL, newline, ...), 404 {@code NO_SUCH_ENDPOINT} or 405 {@code METHOD_NOT_ALLOWED}
     */
    Match resolve(HttpMethod method, String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String s : PathPattern.split(rawPath)) {
            String segment;
            try {
                segment = QueryStringDecoder.decodeComponent(s);
            } catch (IllegalArgumentException badEscape) {
                throw new ControlException(ControlErrors.INVALID_ARGUMENT, 400, "path segment '" + s
                    + "' is not valid percent-encoding: " + badEscape.getMessage());
            }
            if (segment.chars().anyMatch(Character::isISOControl)) {
                throw new ControlException(ControlErrors.INVALID_ARGUMENT, 400, "path segment '" + s
                    + "' decodes to a control character (NUL, newline, ...), which no name may contain");
            }
            segments.add(segment);
        }
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Optional<Map<String, String>> params = route.pattern().match(segments);
            if (params.isPresent()) {
                if (route.method().equals(method)) {
                    return new Match(route, params.get());
                }
                allowed.add(route.method().name());
            }
        }
        if (allowed.isEmpty()) {
            throw new ControlException(ControlErrors.NO_SUCH_ENDPOINT, 404, "no control endpoint " + rawPath);
        }
        throw new MethodNotAllowed(method, rawPath, List.copyOf(allowed));
    }

    /** The {@link ControlException} for a handler failure, or empty when nothing maps it (a 500). */
    Optional<ControlException> translate(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ControlException ce) {
            return Optional.of(ce);
        }
        for (Mapper<?> m : mappers) {
            if (m.type().isInstance(t)) {
                return Optional.of(m.apply(t));
            }
        }
        return Optional.empty();
    }

    /** A 405 that knows the methods the path does accept, for the {@code Allow} header. */
    static final class MethodNotAllowed extends ControlException {
        private static final long serialVersionUID = 1L;
        private final List<String> allowed;

        MethodNotAllowed(HttpMethod method, String path, List<String> allowed) {
            super(ControlErrors.METHOD_NOT_ALLOWED, 405,
                "method " + method + " is not allowed on " + path + " (allowed: " + String.join(", ", allowed) + ")");
            this.allowed = allowed;
        }

        List<String> allowed() {
            return allowed;
        }
    }
}
