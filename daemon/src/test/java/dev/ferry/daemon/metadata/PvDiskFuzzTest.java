package dev.ferry.daemon.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Coverage-guided fuzz target (Jazzer) for reading a PV's label and metadata slots from a device whose bytes are
 * the input: the result is "no label", a precise {@link MetadataFormatException}, or a disk whose every slot is
 * empty, corrupt or valid, and nothing the device merely claims is allocated beyond its real size. The harness
 * recomputes the checksums the fuzzer cannot guess (the label's, and each slot header's and document's once
 * the label decodes), so mutations reach the geometry and length checks behind them. Under plain JUnit it
 * replays the inputs in {@code src/test/resources/dev/ferry/daemon/metadata/PvDiskFuzzTestInputs/}.
 */
class PvDiskFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void read(byte[] input) throws IOException {
        byte[] bytes = Arrays.copyOf(input, Math.max(input.length, PvLabel.SIZE));
        ByteBuffer image = ByteBuffer.wrap(bytes);
        image.putInt(PvLabel.CRC_OFFSET, Checksums.crc32c(image, 0, PvLabel.CRC_OFFSET));
        fixSlotChecksums(image);
        Optional<PvDisk> disk;
        try {
            disk = PvDisk.read(Path.of("/fuzz"), new BytesDevice(bytes));
        } catch (MetadataFormatException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        disk.ifPresent(d -> d.slots().forEach(slot -> {
            assertThat(slot.state()).isNotNull();
            if (slot.document() != null) {
                assertThat(slot.document().length).as("document of slot %d", slot.index()).isLessThanOrEqualTo(bytes.length);
            }
        }));
    }

    /** Recomputes each slot header's checksums where the label decodes and a header lies inside the image. */
    private static void fixSlotChecksums(ByteBuffer image) {
        PvLabel label;
        try {
            label = PvLabel.decode(image).orElse(null);
        } catch (MetadataFormatException | IllegalArgumentException e) {
            return;
        }
        if (label == null) {
            return;
        }
        for (int i = 0; i < label.slotCount() && i < 16; i++) {
            long at = label.slotOffset(i);
            if (at < 0 || at > image.capacity() - SlotHeader.SIZE) {
                continue;
            }
            int header = (int) at;
            int length = image.getInt(header + 32);
            if (length >= 0 && length <= image.capacity() - header - SlotHeader.SIZE) {
                image.putInt(header + 36, Checksums.crc32c(image, header + SlotHeader.SIZE, length));
            }
            image.putInt(header + SlotHeader.SIZE - 4, Checksums.crc32c(image, header, SlotHeader.SIZE - 4));
        }
    }

    /** The input as a device: reads past its end return zeros, as {@link MetadataDevice} promises. */
    private record BytesDevice(byte[] bytes) implements MetadataDevice {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            while (dst.hasRemaining()) {
                dst.put(offset >= 0 && offset < bytes.length ? bytes[(int) offset] : 0);
                offset++;
            }
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            throw new UnsupportedOperationException("read-only fuzz device");
        }

        @Override
        public void sync() {
        }

        @Override
        public void close() {
        }
    }
}
