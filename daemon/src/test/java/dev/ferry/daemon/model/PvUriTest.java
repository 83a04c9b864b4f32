package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link PvUri}: the NBD URI forms a remote PV may take, their canonical form, and precise refusals. */
class PvUriTest {

    /** Either {@code text} is refused with a message, or its canonical form parses back to the same value. */
    static void assertRefusedOrRoundTrips(String text) {
        PvUri uri;
        try {
            uri = PvUri.parse(text);
        } catch (IllegalArgumentException refused) {
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("'" + text + "' refused without a message", refused);
            }
            return;
        }
        String canonical = uri.toString();
        PvUri again = PvUri.parse(canonical);
        if (!again.equals(uri) || !again.toString().equals(canonical) || !canonical.matches("\\p{Graph}+")) {
            throw new AssertionError("'" + text + "' parsed to " + uri + " whose canonical form parses to " + again);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nbd://127.0.0.1:10809/vg0/lv | nbd://127.0.0.1:10809/vg0/lv | 127.0.0.1 | 10809 | vg0/lv",
        "nbd://Storage.Example:2000/disk | nbd://storage.example:2000/disk | storage.example | 2000 | disk",
        "NBD://host/e | nbd://host:10809/e | host | 10809 | e",
        "nbd://host | nbd://host:10809/ | host | 10809 | ''",
        "nbd://[::1]:1234/x | nbd://[::1]:1234/x | ::1 | 1234 | x",
        "nbd://h/a%20b%2Fc | nbd://h:10809/a%20b/c | h | 10809 | a b/c",
        "nbds://h:1/t?tls-certificates=/etc/pki/../ferry | nbds://h:1/t?tls-certificates=/etc/ferry | h | 1 | t",
    })
    void parsesTcpForms(String text, String canonical, String host, int port, String export) {
        PvUri uri = PvUri.parse(text);
        assertThat(uri.toString()).isEqualTo(canonical);
        assertThat(uri.host()).isEqualTo(host);
        assertThat(uri.port()).isEqualTo(port);
        assertThat(uri.exportName()).isEqualTo(export);
        assertThat(uri.socket()).isNull();
        assertThat(uri.scheme().tls()).isEqualTo(text.toLowerCase().startsWith("nbds"));
    }

    @Test
    void parsesUnixSockets() {
        PvUri uri = PvUri.parse("nbd+unix:///vg0/lv?socket=/run/nbd/../nbd.sock");
        assertThat(uri.scheme()).isEqualTo(PvUri.Scheme.NBD_UNIX);
        assertThat(uri.socket()).isEqualTo(Path.of("/run/nbd.sock"));
        assertThat(uri.exportName()).isEqualTo("vg0/lv");
        assertThat(uri.host()).isNull();
        assertThat(uri.toString()).isEqualTo("nbd+unix:///vg0/lv?socket=/run/nbd.sock");
        assertThat(uri.endpoint()).isEqualTo("/run/nbd.sock");
        PvUri tls = PvUri.parse("nbds+unix:///e?tls-certificates=/pki&socket=/a%26b");
        assertThat(tls.socket()).isEqualTo(Path.of("/a&b"));
        assertThat(tls.tlsCertificates()).isEqualTo(Path.of("/pki"));
        assertThat(tls.toString()).isEqualTo("nbds+unix:///e?socket=/a%26b&tls-certificates=/pki");
    }

    @Test
    void linkSettingsDefaultAndAreWrittenOnlyWhenTheyDiffer() {
        assertThat(PvUri.parse("nbd://h/e").link()).isEqualTo(LinkSettings.DEFAULT);
        assertThat(LinkSettings.DEFAULT).isEqualTo(new LinkSettings(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(2), Duration.ofSeconds(10)));
        PvUri uri = PvUri.parse("nbd://h/e?reconnect-window=0&request-timeout=1500ms&heartbeat-interval=2s"
                + "&connect-timeout=1m");
        assertThat(uri.link()).isEqualTo(new LinkSettings(Duration.ofMinutes(1), Duration.ofMillis(1500),
                Duration.ofSeconds(2), Duration.ZERO));
        assertThat(uri.toString()).as("defaults left out, the rest in a fixed order")
                .isEqualTo("nbd://h:10809/e?connect-timeout=60s&request-timeout=1500ms&reconnect-window=0s");
        assertThat(PvUri.parse(uri.toString())).isEqualTo(uri);
        assertThat(PvUri.parse("nbd://h/e?request-timeout=30s").toString()).isEqualTo("nbd://h:10809/e");
        assertThat(PvUri.parse("nbd+unix:///e?heartbeat-interval=0&socket=/s").toString())
                .isEqualTo("nbd+unix:///e?socket=/s&heartbeat-interval=0s");
        assertThat(uri.link().toString())
                .isEqualTo("connect-timeout=60s request-timeout=1500ms heartbeat-interval=2s reconnect-window=0s");
    }

    @Test
    void tellsUrisFromPaths() {
        assertThat(PvUri.isUri("nbd://h/e")).isTrue();
        assertThat(PvUri.isUri("http://h/e")).isTrue();
        assertThat(PvUri.isUri("/srv/pv.img")).isFalse();
        assertThat(PvUri.isUri("pv:0-3")).isFalse();
        assertThat(PvUri.isUri("rel/nbd://x")).isFalse();
        assertThat(PvUri.isUri(null)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "/srv/pv.img | is not a URI",
        "http://h/e | scheme 'http' is not an NBD scheme",
        "nbd:// | names no host",
        "nbd://:10809/x | names no host",
        "nbd://h:0/x | port 0 is out of range 1-65535",
        "nbd://h:65536/x | port 65536 is out of range 1-65535",
        "nbd://h:/x | port '' is not a number",
        "nbd://h:12a/x | port '12a' is not a number",
        "nbd://u@h/x | carries user information",
        "nbd://h/x#frag | has a fragment",
        "nbd://h/x y | holds a space, control or non-ASCII character at index 9",
        "nbd://h_x/e | 'h_x' is no valid host name",
        "nbd://-h/e | '-h' is no valid host name",
        "nbd://[::1/x | IPv6 host has no closing ']'",
        "nbd://[zz]/x | 'zz' is no IPv6 address",
        "nbd://[::1]x/e | unexpected 'x' after the IPv6 host",
        "nbd://h/%zz | malformed percent escape at index 0",
        "nbd://h/%C3 | decodes to invalid UTF-8",
        "nbd://h/x?socket=/s | socket= is only for nbd+unix URIs",
        "nbd://h/x?tls=on | query parameter 'tls' is not supported",
        "nbd+unix:///x | names no socket",
        "nbd+unix:///x?socket= | names no socket",
        "nbd+unix:///x?socket=run/s | must be absolute",
        "nbd+unix://h/x?socket=/s | names host 'h'",
        "nbd+unix:///x?socket=/a&socket=/b | names socket= twice",
        "nbd://h/x?tls-certificates=/p | tls-certificates= is only for nbds URIs",
        "nbds://h/x | names no TLS certificates directory: tls-certificates=PATH",
        "nbds://h/x?tls-certificates=pki | TLS certificates directory 'pki' must be absolute",
        "nbd://h/x?request-timeout=5 s | holds a space",
        "nbd://h/x?request-timeout=5h | request-timeout '5h' is not a duration: write N followed by ms, s or m",
        "nbd://h/x?request-timeout= | request-timeout '' is not a duration",
        "nbd://h/x?request-timeout=0 | request-timeout 0s is out of range: it must be from 100ms to 3600s",
        "nbd://h/x?connect-timeout=61m | connect-timeout 3660s is out of range",
        "nbd://h/x?heartbeat-interval=99ms | heartbeat-interval 99ms is out of range: it must be 0 or from 100ms",
        "nbd://h/x?reconnect-window=2h | reconnect-window '2h' is not a duration",
        "nbd://h/x?reconnect-window=1s&reconnect-window=2s | names reconnect-window= twice",
    })
    void refusesMalformedUris(String text, String message) {
        assertThatThrownBy(() -> PvUri.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void refusesOverlongExportNames() {
        assertThatThrownBy(() -> PvUri.parse("nbd://h/" + "e".repeat(PvUri.MAX_EXPORT_NAME + 1)))
                .hasMessageContaining("longer than 4096 bytes");
        assertThat(PvUri.parse("nbd://h/" + "e".repeat(PvUri.MAX_EXPORT_NAME)).exportName())
                .hasSize(PvUri.MAX_EXPORT_NAME);
    }

    /** Random strings over URI-ish characters (seeded, so a failure replays): refused or round-tripping. */
    @Test
    void randomInputsAreRefusedOrRoundTrip() {
        Random random = new Random(14);
        String[] parts = {"nbd", "nbds", "+unix", "://", "/", ":", "[", "]", "::1", "h", "H.example", "10809", "0",
            "?", "socket=", "&", "=", "%", "%2", "%20", "%C3%A9", "#", "@", "-", " ", "\t", "é", "a", "9", ".",
            "reconnect-window=", "request-timeout=", "tls-certificates=", "500ms", "3s", "1m"};
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(i % 3 == 0 ? "nbd://" : i % 3 == 1 ? "nbd+unix:///" : "");
            int n = random.nextInt(12);
            for (int j = 0; j < n; j++) {
                b.append(parts[random.nextInt(parts.length)]);
            }
            assertRefusedOrRoundTrips(b.toString());
            parsed += PvUri.isUri(b.toString()) && parses(b.toString()) ? 1 : 0;
        }
        assertThat(parsed).as("inputs that parsed").isGreaterThan(200);
    }

    private static boolean parses(String text) {
        try {
            PvUri.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
