package dev.ferry.daemon.control;

import java.util.Objects;

/**
 * A handler result with an explicit status: either a JSON body (serialized by the server) or raw bytes
 * with their own content type (e.g. the Prometheus text format).
 */
public final class ControlResponse {
    /** Content type of JSON answers. */
    public static final String JSON = "application/json; charset=utf-8";

    private final int status;
    private final Object jsonBody;
    private final byte[] rawBody;
    private final String contentType;

    private ControlResponse(int status, Object jsonBody, byte[] rawBody, String contentType) {
        if (status < 200 || status > 299) {
            throw new IllegalArgumentException("success status must be 2xx (refuse with ControlException): " + status);
        }
        this.status = status;
        this.jsonBody = jsonBody;
        this.rawBody = rawBody;
        this.contentType = contentType;
    }

    /** A JSON answer with a 2xx status; a {@code null} body sends no content. */
    public static ControlResponse json(int status, Object body) {
        return new ControlResponse(status, body, null, JSON);
    }

    /** A raw answer with a 2xx status and its own content type. */
    public static ControlResponse raw(int status, String contentType, byte[] body) {
        return new ControlResponse(status, null, Objects.requireNonNull(body, "body"),
            Objects.requireNonNull(contentType, "contentType"));
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The object serialized as JSON, or null for raw or empty answers. */
    public Object jsonBody() {
        return jsonBody;
    }

    /** Raw body bytes, or null for JSON answers. */
    public byte[] rawBody() {
        return rawBody;
    }

    /** The content type. */
    public String contentType() {
        return contentType;
    }
}
