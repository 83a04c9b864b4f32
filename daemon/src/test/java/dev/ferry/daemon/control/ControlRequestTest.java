package dev.ferry.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a request body becomes JSON: UTF-8 only, and every way it can be wrong is a 400, never a 500. */
class ControlRequestTest {

    /** A request body bound to a record. */
    record Named(String name) {
    }

    private static ControlRequest post(byte[] body) {
        return new ControlRequest(HttpMethod.POST, "/v1/x", Map.of(), Map.of(), new DefaultHttpHeaders(), body,
            ControlJson.newMapper());
    }

    @Test
    void aUtf8BodyBinds() {
        assertThat(post("{\"name\":\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8)).bodyAs(Named.class).name())
            .isEqualTo("caf\u00e9");
    }

    /** Found by RestFuzzTest: leading NULs made the JSON parser guess UTF-32 and fail outside its parse errors. */
    @Test
    void leadingNulBytesAreAnInvalidBodyNotAnInternalError() {
        byte[] body = {0, 0, 0, '!', 0, 0, 0, 0, 0x1e, 'h', 'e', 'n'};
        assertThatThrownBy(() -> post(body).bodyAsMap()).isInstanceOfSatisfying(ControlException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.errorName()).isEqualTo(ControlErrors.INVALID_REQUEST_BODY);
        });
        assertThatThrownBy(() -> post(body).bodyAs(Named.class)).isInstanceOf(ControlException.class)
            .hasMessageStartingWith("invalid JSON request body");
    }

    @Test
    void bytesThatAreNotUtf8AreNamedAsSuch() {
        byte[] body = {'{', '"', 'n', (byte) 0xff, '"', ':', '1', '}'};
        assertThatThrownBy(() -> post(body).bodyAsMap()).isInstanceOf(ControlException.class)
            .hasMessageContaining("not UTF-8 text");
    }
}
