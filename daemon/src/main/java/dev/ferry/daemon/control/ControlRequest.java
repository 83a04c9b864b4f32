package dev.ferry.daemon.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One decoded control request as a handler sees it: method, path, path parameters bound from the route
 * pattern, query parameters, and the (bounded) body with JSON binding that answers precise 400 errors.
 */
public final class ControlRequest {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    /** A qualified Java class name ({@code a.b.Outer$Inner}); group 2 is its simple name. */
    private static final Pattern JAVA_NAME = Pattern.compile("\\b([a-z_][a-z0-9_]*\\.)+(?:[A-Z][\\w]*\\$)*([A-Z][\\w]*)");

    private final HttpMethod method;
    private final String path;
    private final Map<String, String> pathParams;
    private final Map<String, List<String>> queryParams;
    private final HttpHeaders headers;
    private final byte[] body;
    private final ObjectMapper json;

    ControlRequest(HttpMethod method, String path, Map<String, String> pathParams,
                   Map<String, List<String>> queryParams, HttpHeaders headers, byte[] body, ObjectMapper json) {
        this.method = method;
        this.path = path;
        this.pathParams = Map.copyOf(pathParams);
        this.queryParams = Map.copyOf(queryParams);
        this.headers = headers;
        this.body = body;
        this.json = json;
    }

    /** The HTTP method. */
    public HttpMethod method() {
        return method;
    }

    /** The decoded request path without the query string. */
    public String path() {
        return path;
    }

    /** The value bound to {@code {name}} in the route pattern; the route guarantees it is present. */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("route has no path parameter {" + name + "}: " + path);
        }
        return value;
    }

    /** All query parameters (decoded, in request order per name). */
    public Map<String, List<String>> queryParams() {
        return queryParams;
    }

    /**
     * The last value of query parameter {@code name}, if present; a value with a control character (NUL, newline,
     * ...) is a 400.
     */
    public Optional<String> query(String name) {
        List<String> values = queryParams.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        String value = values.get(values.size() - 1);
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw ControlErrors.invalidArgument("query parameter '" + name + "' contains a control character");
        }
        return Optional.of(value);
    }

    /**
     * A boolean query flag: absent gives {@code defaultValue}; {@code ?name}, {@code ?name=true} or
     * {@code =1} give true; {@code =false} or {@code =0} give false; anything else is a 400.
     */
    public boolean queryFlag(String name, boolean defaultValue) {
        Optional<String> value = query(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        switch (value.get()) {
            case "":
            case "true":
            case "1":
                return true;
            case "false":
            case "0":
                return false;
            default:
                throw ControlErrors.invalidArgument(
                    "query parameter '" + name + "' must be true or false, got '" + value.get() + "'");
        }
    }

    /** The value of request header {@code name}, if present. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /** The raw body bytes (empty when there is none). Do not modify. */
    public byte[] body() {
        return body;
    }

    /** The JSON body bound to {@code type} (a record, a POJO, ...); 400 {@code INVALID_REQUEST_BODY} when it does not fit. */
    public <T> T bodyAs(Class<T> type) {
        if (body.length == 0) {
            throw new ControlException(ControlErrors.INVALID_REQUEST_BODY, 400,
                "request body is empty; expected a JSON " + type.getSimpleName());
        }
        try {
            return json.readValue(text(), type);
        } catch (JsonProcessingException e) {
            throw invalidBody(e);
        }
    }

    /** The JSON object body as a map; an empty body gives an empty map. */
    public Map<String, Object> bodyAsMap() {
        if (body.length == 0) {
            return Map.of();
        }
        try {
            return json.readValue(text(), MAP);
        } catch (JsonProcessingException e) {
            throw invalidBody(e);
        }
    }

    /**
     * The body as UTF-8 text, the only encoding JSON may travel in (RFC 8259); decoded here rather than by the JSON
     * parser, which would guess UTF-16 or UTF-32 from leading NUL bytes and fail outside its parse errors.
     */
    private String text() {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new ControlException(ControlErrors.INVALID_REQUEST_BODY, 400,
                "invalid JSON request body: not UTF-8 text (" + e.getMessage() + ")");
        }
    }

    /** A 400 saying what is wrong with the body in the client's terms: JSON names, never Java class names. */
    private static ControlException invalidBody(JsonProcessingException e) {
        String what = e instanceof UnrecognizedPropertyException u
            ? "unknown property '" + u.getPropertyName() + "' (known: " + String.join(", ",
                u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()) + ")"
            : JAVA_NAME.matcher(e.getOriginalMessage()).replaceAll("$2");
        return new ControlException(ControlErrors.INVALID_REQUEST_BODY, 400,
            "invalid JSON request body: " + what
                + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr() + ")"), e);
    }
}
