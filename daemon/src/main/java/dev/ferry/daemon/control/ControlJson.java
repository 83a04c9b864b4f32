package dev.ferry.daemon.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON conventions shared by the control server and its clients. */
public final class ControlJson {
    private ControlJson() {
    }

    /** A new mapper: unknown properties and trailing tokens in request bodies are errors. */
    public static ObjectMapper newMapper() {
        return new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** The error document {@code {"error":{"name":NAME,"message":MESSAGE}}}. */
    public static Map<String, Object> errorBody(String name, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("name", name);
        error.put("message", message);
        return Map.of("error", error);
    }
}
