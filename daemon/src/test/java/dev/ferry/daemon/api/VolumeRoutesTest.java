package dev.ferry.daemon.api;

import static dev.ferry.daemon.api.ApiFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.model.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume routes as a script or curl sees them: JSON bodies, HTTP statuses and stable error names. */
class VolumeRoutesTest {
    @TempDir
    Path dir;
    private ApiFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    private static void refused(ThrowingCallable call, int status, String name, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ControlCallException.class, e -> {
            assertThat(e.errorName()).isEqualTo(name);
            assertThat(e.httpStatus()).isEqualTo(status);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void verbsAnswerJsonDocumentsWithStatuses() throws Exception {
        String a = f.path("a.img");
        JsonNode pv = f.call("POST", "/v1/pvs", Map.of("path", a, "size", "20m"));
        assertThat(pv.path("pv_name").asText()).isEqualTo(a);
        assertThat(pv.path("dev_size").asLong()).isEqualTo(20 * MIB);
        JsonNode vg = f.call("POST", "/v1/vgs", Map.of("name", "v+g", "pvs", List.of(a), "extent_size", "1m"));
        assertThat(vg.path("vg_extent_count").asLong()).isEqualTo(19);
        JsonNode lv = f.call("POST", "/v1/vgs/v%2Bg/lvs", Map.of("name", "l", "extents", "50%FREE"));
        assertThat(lv.path("lv_extent_count").asLong()).isEqualTo(9);
        JsonNode grown = f.call("POST", "/v1/vgs/v%2Bg/lvs/l/resize", Map.of("mode", "extend", "size", "+1m"));
        assertThat(grown.path("lv_size_before").asLong()).isEqualTo(9 * MIB);
        assertThat(grown.path("lv_size").asLong()).isEqualTo(10 * MIB);
        assertThat(f.call("POST", "/v1/vgs/v%2Bg/lvs/l/rename", Map.of("name", "m")).path("lv_old_name").asText())
            .isEqualTo("l");
        assertThat(f.call("DELETE", "/v1/vgs/v%2Bg/lvs/m", null).toString()).contains("\"lv_name\":\"m\"");
        assertThat(f.call("DELETE", "/v1/vgs/v%2Bg", null).path("vg_name").asText()).isEqualTo("v+g");
        assertThat(f.call("DELETE", "/v1/pvs?path=" + a, null).path("pv_name").asText()).isEqualTo(a);
    }

    @Test
    void refusalsCarryTheirStatusAndName() throws Exception {
        String a = f.path("a.img");
        f.call("POST", "/v1/pvs", Map.of("path", a, "size", "20m"));
        f.call("POST", "/v1/vgs", Map.of("name", "vg", "pvs", List.of(a)));
        refused(() -> f.call("POST", "/v1/vgs/vg/lvs", Map.of("size", "1g")), 409, "INSUFFICIENT_SPACE",
            "Insufficient suitable allocatable extents: 256 extents needed in each of 1 parallel area(s) under policy "
                + "normal, 4 free extents in total");
        refused(() -> f.call("POST", "/v1/vgs/nope/lvs", Map.of("size", "4m")), 404, "VG_NOT_FOUND",
            "Volume group \"nope\" not found");
        refused(() -> f.call("POST", "/v1/vgs/vg/lvs", Map.of("size", "4m", "extents", "1")), 400, "INVALID_ARGUMENT",
            "Please specify either size or extents (not both).");
        refused(() -> f.call("POST", "/v1/vgs/vg/lvs", new java.util.TreeMap<>(Map.of("size", "4m", "colour", "red"))),
            400, "INVALID_REQUEST_BODY", "invalid JSON request body: unknown property 'colour' (known: alloc, extents, "
                + "mirror_log, mirrors, mwc, name, nosync, pvs, region_size, size, stripe_size, stripes, type) "
                + "(line 1, column 29)");
        refused(() -> f.call("POST", "/v1/vgs/vg/lvs/x/resize", Map.of("mode", "grow", "size", "4m")), 404,
            "LV_NOT_FOUND", "Failed to find logical volume \"vg/x\"");
        refused(() -> f.call("POST", "/v1/vgs", Map.of("pvs", List.of(a))), 400, "INVALID_REQUEST_BODY",
            "request body lacks the required property 'name'");
        refused(() -> f.call("POST", "/v1/vgs/vg/extend", Map.of("pvs", List.of(a, a), "restore_missing", true)), 400,
            "INVALID_ARGUMENT", "restore_missing takes one PV, not 2");
        refused(() -> f.call("POST", "/v1/vgs/vg/extend", Map.of("pvs", List.of(a), "restore_missing", true)), 400,
            "INVALID_ARGUMENT", "Physical volume " + a + " of volume group vg is not missing");
        refused(() -> f.call("DELETE", "/v1/pvs", null), 400, "INVALID_ARGUMENT", "query parameter 'path' is required");
        refused(() -> f.call("DELETE", "/v1/vgs/vg?force=maybe", null), 400, "INVALID_ARGUMENT",
            "query parameter 'force' must be true or false, got 'maybe'");
    }

    @Test
    void aBodyOfTheWrongShapeIsExplainedWithoutJavaClassNames() throws Exception {
        assertThatThrownBy(() -> f.call("POST", "/v1/vgs/vg/lvs", Map.of("name", List.of(1), "size", "4m")))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo("INVALID_REQUEST_BODY");
                assertThat(e.getMessage()).startsWith("invalid JSON request body: ")
                    .doesNotContain("dev.ferry", "RequestBodies$", "java.lang.");
            });
    }

    @Test
    void aNulOrOtherControlCharacterInAPathQueryOrBodyIsA400() throws Exception {
        String a = f.path("a.img");
        f.call("POST", "/v1/pvs", Map.of("path", a, "size", "20m"));
        f.call("POST", "/v1/vgs", Map.of("name", "vg", "pvs", List.of(a)));
        refused(() -> f.call("DELETE", "/v1/vgs/vg%00x", null), 400, "INVALID_ARGUMENT",
            "path segment 'vg%00x' decodes to a control character (NUL, newline, ...), which no name may contain");
        refused(() -> f.call("GET", "/v1/vgs/vg/lvs/a%0Ab", null), 400, "INVALID_ARGUMENT",
            "path segment 'a%0Ab' decodes to a control character (NUL, newline, ...), which no name may contain");
        refused(() -> f.call("DELETE", "/v1/pvs?path=" + a + "%00", null), 400, "INVALID_ARGUMENT",
            "query parameter 'path' contains a control character");
        // found by RestFuzzTest: a bad percent escape closed the connection without an answer
        refused(() -> f.call("DELETE", "/v1/vgs/vg%zz", null), 400, "INVALID_ARGUMENT",
            "path segment 'vg%zz' is not valid percent-encoding: invalid hex byte 'zz' at index 3 of 'vg%zz'");
        assertThatThrownBy(() -> f.call("DELETE", "/v1/pvs?path=%4", null))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo("INVALID_ARGUMENT");
                assertThat(e.getMessage()).contains("the query string is not valid percent-encoding");
            });
        assertThatThrownBy(() -> f.call("POST", "/v1/pvs", Map.of("path", a + "\u0000.x", "size", "20m")))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo("INVALID_ARGUMENT");
                assertThat(e.httpStatus()).isEqualTo(400);
                assertThat(e.getMessage()).startsWith("not a valid path: ");
            });
        assertThat(f.call("GET", "/v1/reports/vgs", null).toString()).contains("\"vg_name\":\"vg\"");
    }

    @Test
    void everyErrorCodeHasAStatusByItsName() {
        for (ErrorCode code : ErrorCode.values()) {
            int expected = switch (code) {
                case PV_NOT_FOUND, VG_NOT_FOUND, LV_NOT_FOUND, NO_SUCH_MOVE, RESYNC_NOT_FOUND, BITMAP_NOT_FOUND -> 404;
                case PV_EXISTS, DEVICE_HAS_DATA, DEVICE_IN_USE, PV_IN_USE, PV_HAS_EXTENTS, VG_EXISTS, VG_HAS_LVS,
                    LAST_PV, LV_EXISTS, LV_LOCKED, LV_OPEN,
                    INSUFFICIENT_SPACE, NOTHING_TO_MOVE, ALREADY_MOVING, INVLPRED, INRESYNC, OFFLINE, FORCEOFF,
                    BITMAP_EXISTS, BITMAP_INCONSISTENT -> 409;
                case INVALID_NAME, INVALID_EXTENT_SIZE, INVALID_ARGUMENT, PV_TOO_SMALL, SAME_PV,
                    OVERLAPPING_RANGES -> 400;
                case METADATA_TOO_LARGE -> 507;
                case METADATA_INVALID, IO_ERROR, PV_MISSED_COMMIT, ACTIVATION_FAILED, MIGRATE_FAIL, RESYNC_FAILED, LOSTPP,
                    NOTSYNCED -> 500;
            };
            assertThat(ApiErrors.status(code)).as(code.name()).isEqualTo(expected);
        }
        assertThat(ApiErrors.status(ApiErrors.SUSPEND_TIMEOUT)).isEqualTo(504);
        assertThat(ApiErrors.status(ApiErrors.DEVICE_STATE)).isEqualTo(409);
        assertThat(ApiErrors.status(ApiErrors.INVALID_TABLE)).isEqualTo(400);
        assertThat(ApiErrors.status(ApiErrors.DEVICE_NOT_FOUND)).isEqualTo(404);
    }
}
