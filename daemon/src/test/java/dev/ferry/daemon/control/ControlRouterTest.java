package dev.ferry.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Route resolution: path parameters, literal-over-parameter precedence, 404/405, clashes, exception mapping. */
class ControlRouterTest {
    private final ControlHandler a = r -> "a";
    private final ControlHandler b = r -> "b";

    @Test
    void bindsDecodedPathParametersAndPrefersLiteralSegments() {
        ControlRouter router = new ControlRouter()
            .add(HttpMethod.GET, "/v1/lvs/{vg}/{lv}", a)
            .add(HttpMethod.GET, "/v1/lvs/{vg}/report", b);
        ControlRouter.Match m = router.resolve(HttpMethod.GET, "/v1/lvs/vg%2F0/lv1");
        assertThat(m.route().handler()).isSameAs(a);
        assertThat(m.pathParams()).isEqualTo(Map.of("vg", "vg/0", "lv", "lv1"));
        assertThat(router.resolve(HttpMethod.GET, "/v1/lvs/vg0/report").route().handler()).isSameAs(b);
    }

    @Test
    void unknownPathsAre404AndWrongMethods405WithTheAllowedOnes() {
        ControlRouter router = new ControlRouter().add(HttpMethod.GET, "/v1/lvs", a).add(HttpMethod.POST, "/v1/lvs", b);
        assertThatThrownBy(() -> router.resolve(HttpMethod.GET, "/v1/lvs/"))
            .isInstanceOfSatisfying(ControlException.class, e -> {
                assertThat(e.errorName()).isEqualTo("NO_SUCH_ENDPOINT");
                assertThat(e.httpStatus()).isEqualTo(404);
            });
        assertThatThrownBy(() -> router.resolve(HttpMethod.DELETE, "/v1/lvs"))
            .isInstanceOfSatisfying(ControlRouter.MethodNotAllowed.class, e -> {
                assertThat(e.httpStatus()).isEqualTo(405);
                assertThat(e.allowed()).containsExactly("GET", "POST");
            });
    }

    @Test
    void refusesClashingAndMalformedPatterns() {
        ControlRouter router = new ControlRouter().add(HttpMethod.GET, "/v1/lvs/{vg}", a);
        assertThatThrownBy(() -> router.add(HttpMethod.GET, "/v1/lvs/{name}", b))
            .hasMessage("route GET /v1/lvs/{name} clashes with /v1/lvs/{vg}");
        assertThatThrownBy(() -> router.add(HttpMethod.GET, "v1/x", b)).hasMessage("route pattern must start with '/': v1/x");
        assertThatThrownBy(() -> router.add(HttpMethod.GET, "/v1/{a}/{a}", b))
            .hasMessage("bad or duplicate parameter {a} in /v1/{a}/{a}");
        assertThatThrownBy(() -> router.add(HttpMethod.GET, "/v1//x", b)).hasMessage("bad segment '' in route pattern /v1//x");
    }

    @Test
    void mapsTypedExceptionsThroughWrappersAndLeavesOthersUnmapped() {
        ControlRouter router = new ControlRouter()
            .mapException(IllegalArgumentException.class, e -> new ControlException("INVALID_SIZE", 400, e.getMessage()));
        ControlException mapped = router.translate(new CompletionException(new NumberFormatException("size -1"))).orElseThrow();
        assertThat(mapped.errorName()).isEqualTo("INVALID_SIZE");
        assertThat(mapped.getMessage()).isEqualTo("size -1");
        assertThat(router.translate(new IllegalStateException("bug"))).isEmpty();
        assertThatThrownBy(() -> new ControlException("lower_case", 400, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ControlException("OK_NAME", 200, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
