package dev.ferry.mapper.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Coverage-guided fuzz target (Jazzer) for the on-disk mirror log decoder: any device content decodes into
 * slots that are absent, torn or valid (or is refused as an unsupported version with an
 * IllegalArgumentException), and a valid slot re-encodes to an image that decodes to the same state. Under plain
 * JUnit it replays the inputs in {@code src/test/resources/dev/ferry/mapper/mirror/DiskLogFuzzTestInputs/}.
 */
class DiskLogFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void decodeAll(byte[] input) {
        List<DiskLogFormat.Slot> slots;
        try {
            slots = DiskLogFormat.decodeAll(ByteBuffer.wrap(input), "fuzz");
        } catch (IllegalArgumentException unsupportedVersion) {
            assertThat(unsupportedVersion).hasMessageContaining("unsupported version");
            return;
        }
        for (DiskLogFormat.Slot slot : slots) {
            if (slot.kind() == DiskLogFormat.SlotKind.VALID) {
                DiskLogFormat.Slot again = DiskLogFormat.decode(DiskLogFormat.encode(slot.image()), "again");
                assertThat(again.image()).isEqualTo(slot.image());
            }
        }
    }
}
