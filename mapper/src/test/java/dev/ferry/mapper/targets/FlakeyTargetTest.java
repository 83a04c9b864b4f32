package dev.ferry.mapper.targets;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.failure;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static dev.ferry.mapper.targets.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FlakeyTargetTest {

    private final TestDevices devices = new TestDevices();
    private final ManualScheduler clock = new ManualScheduler();
    private final MemoryBlockDevice a = devices.memory("a", 64);

    private Target create(String args) {
        return FlakeyTarget.TYPE.create(32, List.of(args.split(" ")), new TargetContext(devices, clock, TargetEvents.NONE));
    }

    private static BlockIoException.Kind kind(CompletableFuture<?> f) {
        return ((BlockIoException) failure(f)).kind();
    }

    @Test
    void withoutFeaturesAllIoFailsWhileDown() {
        Target t = create("a 0 2 1");
        write(t, 0, pattern(512, 1));
        assertThat(t.status()).isEqualTo("up 0");
        clock.advance(Duration.ofSeconds(2));
        assertThat(t.status()).isEqualTo("down 0");
        assertThat(kind(t.read(0, ByteBuffer.allocate(512)))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThat(kind(t.write(0, ByteBuffer.allocate(512), false))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThat(kind(t.discard(0, 512))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        await(t.flush());
        clock.advance(Duration.ofSeconds(1));
        assertThat(read(t, 0, 512)).isEqualTo(pattern(512, 1));
        assertThat(t.params()).isEqualTo("a 0 2 1");
    }

    @Test
    void dropWritesAcknowledgesAndIgnoresWritesWhileDown() {
        Target t = create("a 8 1 1 1 drop_writes");
        clock.advance(Duration.ofSeconds(1));
        write(t, 0, pattern(512, 2));
        assertThat(read(a, 8 * 512, 512)).isEqualTo(new byte[512]);
        assertThat(read(t, 0, 512)).isEqualTo(new byte[512]);
        assertThat(t.params()).isEqualTo("a 8 1 1 1 drop_writes");
    }

    @Test
    void errorReadsAndErrorWritesAreSeparate() {
        Target reads = create("a 0 1 1 1 error_reads");
        Target writes = create("a 0 1 1 1 error_writes");
        clock.advance(Duration.ofSeconds(1));
        assertThat(kind(reads.read(0, ByteBuffer.allocate(512)))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        write(reads, 0, pattern(512, 3));
        assertThat(read(writes, 0, 512)).isEqualTo(pattern(512, 3));
        assertThat(kind(writes.write(0, ByteBuffer.allocate(512), false))).isEqualTo(BlockIoException.Kind.IO_ERROR);
    }

    @Test
    void corruptBioByteReplacesTheNthByte() {
        write(a, 0, pattern(512, 4));
        Target reads = create("a 0 0 1 5 corrupt_bio_byte 32 r 1 0");
        byte[] expected = pattern(512, 4);
        expected[31] = 1;
        assertThat(read(reads, 0, 512)).isEqualTo(expected);
        Target writes = create("a 0 0 1 5 corrupt_bio_byte 1 w 255 0");
        byte[] data = pattern(512, 5);
        write(writes, 0, data);
        assertThat(data).isEqualTo(pattern(512, 5));
        byte[] stored = pattern(512, 5);
        stored[0] = (byte) 255;
        assertThat(read(a, 0, 512)).isEqualTo(stored);
        assertThat(writes.params()).isEqualTo("a 0 0 1 5 corrupt_bio_byte 1 w 255 0");
    }

    @Test
    void faultRuleErrorsAfterNMatchingOperationsInItsRange() {
        Target t = create("a 0 1 0 6 fault w error 8 8 2");
        write(t, 0, pattern(4096, 1));
        write(t, 4096, pattern(512, 1));
        write(t, 3584, pattern(1024, 1));
        assertThat(kind(t.write(4096 + 3584, ByteBuffer.allocate(512), false))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThat(kind(t.writeZeroes(4096, 512, false))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        write(t, 8192, pattern(512, 1));
        assertThat(read(t, 4096, 512)).isEqualTo(Arrays.copyOfRange(pattern(1024, 1), 512, 1024));
        assertThat(t.status()).isEqualTo("up 1 w:error:8+8:after=2:matched=4:fired=2");
        assertThat(t.params()).isEqualTo("a 0 1 0 6 fault w error 8 8 2");
    }

    @Test
    void faultRuleDropsWritesAndReads() {
        write(a, 0, pattern(1024, 6));
        Target t = create("a 0 1 0 12 fault r drop 0 1 0 fault w drop 1 1 0");
        assertThat(read(t, 0, 1024)).isEqualTo(new byte[1024]);
        assertThat(read(t, 512, 512)).isEqualTo(Arrays.copyOfRange(pattern(1024, 6), 512, 1024));
        write(t, 512, new byte[512]);
        assertThat(read(a, 0, 1024)).isEqualTo(pattern(1024, 6));
    }

    @Test
    void faultRuleHangsUntilTheTargetCloses() {
        Target t = create("a 0 1 0 6 fault rw hang 0 32 1");
        write(t, 0, pattern(512, 1));
        CompletableFuture<Void> hung = t.read(0, ByteBuffer.allocate(512));
        assertThat(hung).isNotDone();
        t.close();
        assertThat(kind(hung)).isEqualTo(BlockIoException.Kind.SHUTDOWN);
    }

    @Test
    void rejectsBadFeatures() {
        assertThatThrownBy(() -> create("a 0 0 0")).hasMessage("flakey: total (up + down) interval is zero");
        assertThatThrownBy(() -> create("a 0 1 1 2 drop_writes")).hasMessage("flakey: #feature words is 2 but 1 words follow");
        assertThatThrownBy(() -> create("a 0 1 1 1 bogus")).hasMessage("flakey: unknown feature 'bogus'");
        assertThatThrownBy(() -> create("a 0 1 1 2 drop_writes drop_writes")).hasMessage("flakey: feature drop_writes duplicated");
        assertThatThrownBy(() -> create("a 0 1 1 2 drop_writes error_writes"))
                .hasMessage("flakey: drop_writes and error_writes are mutually exclusive");
        assertThatThrownBy(() -> create("a 0 1 1 6 drop_writes corrupt_bio_byte 1 w 0 0"))
                .hasMessage("flakey: corrupt_bio_byte w is incompatible with drop_writes");
        assertThatThrownBy(() -> create("a 0 1 1 5 corrupt_bio_byte 1 x 0 0"))
                .hasMessage("flakey: corrupt_bio_byte direction 'x' is not r or w");
        assertThatThrownBy(() -> create("a 0 1 1 5 corrupt_bio_byte 1 r 256 0"))
                .hasMessage("flakey: corrupt_bio_byte value 256 out of range [0, 255]");
        assertThatThrownBy(() -> create("a 0 1 1 5 corrupt_bio_byte 1 r 0 32"))
                .hasMessage("flakey: corrupt_bio_byte flags (only 0 is supported) 32 out of range [0, 0]");
        assertThatThrownBy(() -> create("a 0 1 1 6 fault x error 0 1 0"))
                .hasMessage("flakey: fault operations 'x' is not r, w or rw");
        assertThatThrownBy(() -> create("a 0 1 1 6 fault r explode 0 1 0"))
                .hasMessage("flakey: fault action 'explode' is not error, drop or hang");
        assertThatThrownBy(() -> create("a 0 1 1 6 fault r error 30 3 0"))
                .hasMessage("flakey: fault sector count 3 out of range [1, 2]");
        assertThatThrownBy(() -> create("a 0 1 1 3 fault r error"))
                .hasMessage("flakey: fault needs <r|w|rw> <error|drop|hang> <start_sector> <num_sectors> <after>, got 2 words");
        assertThatThrownBy(() -> create("a 0 1")).hasMessage("flakey: expected <dev> <offset> <up_s> <down_s>"
                + " [<#features> <feature>...], got 3 arguments");
    }
}
