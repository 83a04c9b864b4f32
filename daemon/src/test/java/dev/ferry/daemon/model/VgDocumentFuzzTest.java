package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the VG metadata document decoder and validator: any bytes are either
 * refused with a {@link VolumeException} naming the problem, or decode into a VG that validates or is refused the
 * same way, and whose encoding decodes back to an equal VG and re-encodes to the same bytes. Under plain JUnit it
 * replays the inputs in {@code src/test/resources/dev/ferry/daemon/model/VgDocumentFuzzTestInputs/}.
 */
class VgDocumentFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void decode(byte[] document) {
        VolumeGroup vg;
        try {
            vg = VgDocumentCodec.decode(document);
            VgValidator.validate(vg);
        } catch (VolumeException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        byte[] encoded = VgDocumentCodec.encode(vg);
        VolumeGroup again = VgDocumentCodec.decode(encoded);
        assertThat(again).isEqualTo(vg);
        assertThat(VgDocumentCodec.encode(again)).isEqualTo(encoded);
    }
}
