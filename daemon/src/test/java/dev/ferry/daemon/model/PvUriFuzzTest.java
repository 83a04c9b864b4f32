package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzz target (Jazzer) for {@link PvUri#parse}: any string is either refused with a precise
 * {@link IllegalArgumentException} or parses to a value whose canonical form parses back to the same value. Under
 * plain JUnit it replays the inputs in {@code src/test/resources/dev/ferry/daemon/model/PvUriFuzzTestInputs/}.
 */
class PvUriFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        PvUriTest.assertRefusedOrRoundTrips(new String(input, StandardCharsets.ISO_8859_1));
    }

    @FuzzTest(maxDuration = "10s")
    void parseWithScheme(byte[] input) {
        String tail = new String(input, StandardCharsets.ISO_8859_1);
        for (String scheme : new String[] {"nbd://", "nbd+unix:///", "nbds://"}) {
            PvUriTest.assertRefusedOrRoundTrips(scheme + tail);
        }
        assertThat(tail).isNotNull();
    }
}
