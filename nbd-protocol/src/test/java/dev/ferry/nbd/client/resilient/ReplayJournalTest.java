package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The journal of acknowledged, unflushed writes: clipping, the FLUSH mark, the limit, replays and their payloads. */
class ReplayJournalTest {

    private final List<Op> ops = new ArrayList<>();

    @AfterEach
    void releaseOps() {
        ops.forEach(op -> op.complete(null));
    }

    private Op acked(ReplayJournal journal, int type, int flags, long offset, int length, int value) {
        ByteBuf payload = null;
        if (type == NBD_CMD_WRITE) {
            byte[] b = new byte[length];
            Arrays.fill(b, (byte) value);
            payload = Unpooled.wrappedBuffer(b);
        }
        Op op = new Op(type, flags, offset, length, payload);
        ops.add(op);
        journal.acknowledged(op);
        return op;
    }

    private static byte[] payload(Op replay) {
        ByteBuf p = replay.payloadForSend();
        try {
            return ByteBufUtil.getBytes(p);
        } finally {
            p.release();
        }
    }

    @Test
    void aNewerWriteClipsTheOlderEntriesItOverlapsAndKeepsTheirOuterParts() {
        ReplayJournal j = new ReplayJournal(1 << 20);
        acked(j, NBD_CMD_WRITE, 0, 0, 4096, 1);
        acked(j, NBD_CMD_WRITE, 0, 1024, 1024, 2);
        assertThat(j.ranges()).containsExactly(new ByteRange(0, 1024), new ByteRange(1024, 1024),
                new ByteRange(2048, 2048));
        assertThat(j.bytes()).isEqualTo(4096 + 3 * ReplayJournal.ENTRY_OVERHEAD);
        List<Op> replays = j.takeReplays();
        assertThat(replays).extracting(op -> op.offset).as("in acknowledgement order: the parts of the first write,"
                + " then the second").containsExactly(0L, 2048L, 1024L);
        for (Op r : replays) {
            ops.add(r);
            assertThat(r.replay).isTrue();
            byte[] data = payload(r);
            assertThat(data).hasSize((int) r.length).containsOnly(r.offset == 1024 ? 2 : 1);
        }
        assertThat(j.bytes()).isZero();
        assertThat(j.ranges()).isEmpty();
    }

    @Test
    void fuaWritesAndTrimsOnlyClip() {
        ReplayJournal j = new ReplayJournal(1 << 20);
        acked(j, NBD_CMD_WRITE, 0, 0, 8192, 1);
        acked(j, NBD_CMD_WRITE, NBD_CMD_FLAG_FUA, 0, 4096, 2);
        acked(j, NBD_CMD_TRIM, 0, 6144, 1024, 0);
        assertThat(j.ranges()).containsExactly(new ByteRange(4096, 2048), new ByteRange(7168, 1024));
    }

    @Test
    void writeZeroesIsKeptWithoutAPayload() {
        ReplayJournal j = new ReplayJournal(ReplayJournal.ENTRY_OVERHEAD);
        acked(j, NBD_CMD_WRITE_ZEROES, 0, 1 << 20, 1 << 20, 0);
        List<Op> replays = j.takeReplays();
        ops.addAll(replays);
        assertThat(replays).singleElement().satisfies(r -> {
            assertThat(r.type).isEqualTo(NBD_CMD_WRITE_ZEROES);
            assertThat(r.length).isEqualTo(1 << 20);
            assertThat(r.payloadForSend()).isNull();
        });
    }

    @Test
    void aFlushDropsWhatWasAcknowledgedBeforeItWasSent() {
        ReplayJournal j = new ReplayJournal(1 << 20);
        acked(j, NBD_CMD_WRITE, 0, 0, 512, 1);
        long mark = j.mark();
        acked(j, NBD_CMD_WRITE, 0, 4096, 512, 2);
        j.flushed(mark);
        assertThat(j.ranges()).containsExactly(new ByteRange(4096, 512));
        assertThat(j.bytes()).isEqualTo(512 + ReplayJournal.ENTRY_OVERHEAD);
    }

    @Test
    void aWriteOverTheLimitIsNotKeptButStillClipsAndTheJournalIsIncompleteUntilAFlush() {
        ReplayJournal j = new ReplayJournal(4096 + ReplayJournal.ENTRY_OVERHEAD);
        acked(j, NBD_CMD_WRITE, 0, 0, 4096, 1);
        acked(j, NBD_CMD_WRITE, 0, 2048, 4096, 2);
        assertThat(j.ranges()).as("the newer write does not fit; the older one's overlap is gone all the same")
                .containsExactly(new ByteRange(0, 2048));
        assertThat(j.complete()).as("a write left out").isFalse();
        j.flushed(j.mark());
        assertThat(j.complete()).as("a FLUSH covered it").isTrue();
        assertThat(new ReplayJournal(0)).satisfies(none -> {
            acked(none, NBD_CMD_WRITE, 0, 0, 512, 1);
            assertThat(none.ranges()).isEmpty();
        });
        assertThatThrownBy(() -> new ReplayJournal(-1)).hasMessageContaining("must not be negative");
    }

    @Test
    void theJournalKeepsCopiesAndReleasesThemWhenCleared() {
        ReplayJournal j = new ReplayJournal(1 << 20);
        byte[] callers = new byte[1024];
        Arrays.fill(callers, (byte) 5);
        Op op = new Op(NBD_CMD_WRITE, 0, 0, 1024, Unpooled.wrappedBuffer(callers));
        ops.add(op);
        j.acknowledged(op);
        Arrays.fill(callers, (byte) 6); // the caller reuses its buffer once the write completed
        List<Op> replays = j.takeReplays();
        ops.addAll(replays);
        assertThat(payload(replays.get(0))).containsOnly(5);

        acked(j, NBD_CMD_WRITE, 0, 0, 1024, 7);
        acked(j, NBD_CMD_WRITE, 0, 256, 256, 8);
        j.clear();
        assertThat(j.ranges()).isEmpty();
        assertThat(j.bytes()).isZero();
    }
}
