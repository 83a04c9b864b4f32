package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The contents of writes acknowledged without FUA and not yet covered by a successful FLUSH, kept so that after a
 * connection loss they are written again, first thing on the next connection, instead of making the next FLUSH fail.
 *
 * <p>Entries are disjoint byte ranges, each the newest acknowledged contents of its bytes: a WRITE or WRITE_ZEROES
 * acknowledged without FUA clips the older entries it overlaps and takes their place (a WRITE keeps a copy of its
 * payload in a pooled direct buffer, since the caller's buffer is its own again once the write completes; with no
 * direct memory left the write is not kept); a FUA write or a TRIM only clips them (FUA data is durable, TRIMmed
 * data no longer matters). Because entries are disjoint and each holds the newest
 * contents of its bytes, replaying any subset of them, in any order, never puts older data over newer.
 *
 * <p>A FLUSH, when sent, takes the current acknowledgement mark ({@link #mark}); its success drops every entry
 * acknowledged up to that mark ({@link #flushed}). A connection loss turns every entry into a replay request
 * ({@link #takeReplays}). Memory is bounded: entries hold at most {@code limit} bytes (payload copies plus
 * {@value #ENTRY_OVERHEAD} bytes per entry;  a clip that splits an entry in two may pass the limit by one entry's overhead); a write that does not fit is not kept, so its bytes, if a loss comes,
 * stay among the ledger's lost ranges and the next FLUSH is refused as it would be without a journal. A limit of 0
 * keeps nothing. While the journal is {@link #complete}, a connection loss does not make the
 * {@link FlushLedger} count the unflushed writes as lost, since their replays restore them (a replay that fails
 * puts its range among the lost); otherwise the ledger judges as without a journal, and a replay counts only once it
 * is acknowledged on a live connection. Confined to the client's loop.
 */
final class ReplayJournal {

    /** Bytes each entry counts against the limit on top of its payload. */
    static final int ENTRY_OVERHEAD = 64;

    /** One kept range: a WRITE's copy ({@code data}) or WRITE_ZEROES ({@code data} null) and when it was acked. */
    private record Entry(long offset, long length, ByteBuf data, int flags, long ack) {

        long end() {
            return offset + length;
        }

        long cost() {
            return ENTRY_OVERHEAD + (data == null ? 0 : length);
        }

        /** The part {@code [from, to)} of this entry, holding its own reference to the payload. */
        Entry part(long from, long to) {
            ByteBuf slice = data == null ? null : data.retainedSlice(data.readerIndex() + (int) (from - offset),
                    (int) (to - from));
            return new Entry(from, to - from, slice, flags, ack);
        }

        void release() {
            if (data != null) {
                data.release();
            }
        }
    }

    private final long limit;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private long bytes;
    /** Writes acknowledged and considered so far (kept or not): the acknowledgement numbers. */
    private long acks;
    /** The acknowledgement number of the newest write not kept, and the highest mark a FLUSH made durable. */
    private long droppedAck;
    private long flushedMark;

    ReplayJournal(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("replay limit must not be negative, got " + limit);
        }
        this.limit = limit;
    }

    /** {@code op}, a WRITE, WRITE_ZEROES or TRIM, was acknowledged: called before it completes (its payload valid). */
    void acknowledged(Op op) {
        clip(op.offset, op.offset + op.length);
        boolean kept = (op.type == NBD_CMD_WRITE || op.type == NBD_CMD_WRITE_ZEROES)
                && (op.flags & NBD_CMD_FLAG_FUA) == 0 && op.length > 0;
        if (!kept) {
            return;
        }
        long ack = ++acks;
        long cost = ENTRY_OVERHEAD + (op.type == NBD_CMD_WRITE ? op.length : 0);
        if (bytes + cost > limit) {
            droppedAck = ack;
            return;
        }
        ByteBuf copy = op.type == NBD_CMD_WRITE ? op.copyPayload() : null;
        if (op.type == NBD_CMD_WRITE && copy == null) {
            droppedAck = ack; // no direct memory for the copy: not kept, as over the limit
            return;
        }
        Entry e = new Entry(op.offset, op.length, copy, op.flags, ack);
        entries.put(e.offset(), e);
        bytes += cost;
    }

    /** The mark a FLUSH sent now covers: every entry acknowledged so far. */
    long mark() {
        return acks;
    }

    /** A FLUSH sent at {@code mark} succeeded: the entries it covers are durable. */
    void flushed(long mark) {
        flushedMark = Math.max(flushedMark, mark);
        entries.values().removeIf(e -> {
            if (e.ack() > mark) {
                return false;
            }
            bytes -= e.cost();
            e.release();
            return true;
        });
    }

    /** Empties the journal into replay requests, in acknowledgement order; ownership of each payload moves along. */
    List<Op> takeReplays() {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort(Comparator.comparingLong(Entry::ack));
        entries.clear();
        bytes = 0;
        List<Op> replays = new ArrayList<>(all.size());
        for (Entry e : all) {
            replays.add(Op.replay(e.data() == null ? NBD_CMD_WRITE_ZEROES : NBD_CMD_WRITE, e.flags(), e.offset(),
                    e.length(), e.data()));
        }
        return replays;
    }

    /** Releases everything kept. */
    void clear() {
        entries.values().forEach(Entry::release);
        entries.clear();
        bytes = 0;
    }

    /**
     * Whether every write acknowledged without FUA and not yet covered by a successful FLUSH is kept (or was
     * replaced by a newer write, itself kept, durable or trimmed): no write was left out since the last such FLUSH.
     */
    boolean complete() {
        return droppedAck <= flushedMark;
    }

    /** Bytes kept, as counted against the limit. */
    long bytes() {
        return bytes;
    }

    /** Removes {@code [from, to)} from every entry, keeping the parts outside it. */
    private void clip(long from, long to) {
        if (to <= from) {
            return;
        }
        Map.Entry<Long, Entry> lower = entries.lowerEntry(from);
        Long start = lower != null && lower.getValue().end() > from ? lower.getKey() : Long.valueOf(from);
        List<Entry> hit = new ArrayList<>(entries.subMap(start, true, to, false).values());
        for (Entry e : hit) {
            entries.remove(e.offset());
            bytes -= e.cost();
            if (e.offset() < from) {
                keep(e.part(e.offset(), from));
            }
            if (e.end() > to) {
                keep(e.part(to, e.end()));
            }
            e.release();
        }
    }

    private void keep(Entry part) {
        entries.put(part.offset(), part);
        bytes += part.cost();
    }

    /** The ranges kept, for tests. */
    List<ByteRange> ranges() {
        return entries.values().stream().map(e -> new ByteRange(e.offset(), e.length())).toList();
    }
}
