package dev.ferry.mapper.copy;

import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of a source range to one or more destinations, as an explicit state object (see
 * {@link CopyState} for the transitions). Chunks are issued by a drain loop that never recurses, so
 * devices may complete synchronously; all bookkeeping is guarded by the job's monitor and no device
 * call or callback runs while holding it.
 */
public final class CopyJob {

    private static final Logger LOG = LoggerFactory.getLogger(CopyJob.class);
    /** Holes are zeroed in pieces of at most this many chunks. */
    private static final int HOLE_CHUNKS = 64;

    private final Copier copier;
    private final CopyRequest request;
    private final CopyListener listener;
    private final CompletableFuture<CopyResult> future = new CompletableFuture<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final Deque<Extent> extents = new ArrayDeque<>();
    private final boolean[] dropped;
    private final List<DestinationFailure> failures = new ArrayList<>();

    private CopyState state = CopyState.PENDING;
    private long next;
    private int inFlight;
    private boolean allocating;
    private boolean timerArmed;
    private boolean awaitingBuffer;
    private long copied;
    private long zeroed;
    /** Tokens of the rate limit paid before the start and not used yet ({@link #start(long)}). */
    private long prepaid;
    private String failureMessage;
    private Throwable failureCause;

    CopyJob(Copier copier, CopyRequest request, CopyListener listener) {
        this.copier = copier;
        this.request = request;
        this.listener = listener;
        this.dropped = new boolean[request.destinations().size()];
    }

    /** Starts issuing chunks: PENDING → RUNNING. */
    public void start() {
        start(0);
    }

    /**
     * Starts issuing chunks, the first {@code prepaidBytes} of data already paid for in the rate limit
     * ({@link Copier#acquireTokens}); what the copy does not use of them goes back when it ends.
     */
    public void start(long prepaidBytes) {
        synchronized (this) {
            transition(CopyState.RUNNING);
            prepaid = prepaidBytes;
        }
        copier.register(this);
        pump();
    }

    /**
     * Requests cancellation: stops issuing chunks; once those in flight end, the future completes
     * with a {@link CancellationException}. Returns false if the job already ended or is failing.
     */
    public boolean cancel() {
        boolean finishNow = false;
        synchronized (this) {
            switch (state) {
                case PENDING -> {
                    transition(CopyState.CANCELLED);
                    finishNow = true;
                }
                case RUNNING, FLUSHING -> transition(CopyState.CANCELLING);
                default -> {
                    return false;
                }
            }
        }
        if (finishNow) {
            future.completeExceptionally(cancelled());
        } else {
            pump();
        }
        return true;
    }

    /** The current state. */
    public synchronized CopyState state() {
        return state;
    }

    /** Completes with the result, or with {@link CopyException} or {@link CancellationException}. */
    public CompletableFuture<CopyResult> future() {
        return future;
    }

    /** Bytes copied or zeroed so far. */
    public synchronized long bytesDone() {
        return copied + zeroed;
    }

    /** Bytes to copy in total. */
    public long length() {
        return request.length();
    }

    /** What this job copies. */
    public CopyRequest request() {
        return request;
    }

    /** Destinations dropped so far. */
    public synchronized List<DestinationFailure> destinationFailures() {
        return List.copyOf(failures);
    }

    /** Woken by the copier when the rate limit changed or a throttle delay elapsed. */
    void wake() {
        synchronized (this) {
            timerArmed = false;
        }
        pump();
    }

    private void onBufferReleased() {
        synchronized (this) {
            awaitingBuffer = false;
        }
        pump();
    }

    private void pump() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            Runnable action;
            while ((action = nextAction()) != null) {
                action.run();
            }
        } while (wip.decrementAndGet() != 0);
    }

    /** Decides the next thing to do under the monitor; the returned action runs without it. */
    private synchronized Runnable nextAction() {
        switch (state) {
            case CANCELLING -> {
                return inFlight == 0 ? finish(CopyState.CANCELLED) : null;
            }
            case FAILING -> {
                return inFlight == 0 ? finish(CopyState.FAILED) : null;
            }
            case RUNNING -> {
                return nextChunk();
            }
            default -> {
                return null;
            }
        }
    }

    private Runnable nextChunk() {
        long length = request.length();
        if (next >= length) {
            if (inFlight > 0) {
                return null;
            }
            transition(CopyState.FLUSHING);
            inFlight++;
            return this::flushDestinations;
        }
        if (inFlight >= copier.config().maxInFlight()) {
            return null;
        }
        long srcPos = request.sourceOffset() + next;
        while (!extents.isEmpty() && extents.peek().end() <= srcPos) {
            extents.poll();
        }
        Extent extent = extents.peek();
        if (extent == null) {
            if (allocating) {
                return null;
            }
            allocating = true;
            inFlight++;
            return () -> queryAllocation(srcPos, length - (srcPos - request.sourceOffset()));
        }
        long avail = Math.min(extent.end() - srcPos, length - next);
        int chunk = copier.config().chunkSize();
        long pos = next;
        if (!extent.allocated() || extent.zero()) {
            long len = Math.min(avail, (long) chunk * HOLE_CHUNKS);
            next += len;
            inFlight++;
            List<Integer> live = liveDestinations();
            return () -> zeroChunk(pos, len, live);
        }
        if (timerArmed || awaitingBuffer) {
            return null;
        }
        int len = (int) Math.min(avail, chunk);
        ByteBuffer buffer = copier.buffers().acquireOrWait(this::onBufferReleased);
        if (buffer == null) {
            awaitingBuffer = true;
            return null;
        }
        long owed = len - Math.min(prepaid, len);
        long wait = owed == 0 ? 0 : copier.tryTake(request.throttleGroup(), owed, copier.scheduler().nanoTime());
        if (wait > 0) {
            timerArmed = true;
            return () -> {
                copier.buffers().release(buffer);
                copier.scheduler().schedule(this::wake, wait, TimeUnit.NANOSECONDS);
            };
        }
        prepaid -= len - owed;
        buffer.limit(len);
        next += len;
        inFlight++;
        List<Integer> live = liveDestinations();
        return () -> dataChunk(pos, buffer, live);
    }

    private void queryAllocation(long srcPos, long len) {
        request.source().allocation(srcPos, len).whenComplete((list, err) -> {
            synchronized (this) {
                allocating = false;
                inFlight--;
                if (err == null && !list.isEmpty() && list.get(0).offset() == srcPos) {
                    extents.addAll(list);
                } else {
                    LOG.debug("allocation of {} at {}+{} unavailable ({}); copying as data",
                            request.source().describe(), srcPos, len, err == null ? "no extents" : unwrap(err));
                    extents.add(Extent.data(srcPos, len));
                }
            }
            pump();
        });
    }

    private void zeroChunk(long pos, long len, List<Integer> live) {
        List<CompletableFuture<Void>> ops = new ArrayList<>(live.size());
        for (int i : live) {
            CopyDestination d = request.destinations().get(i);
            ops.add(ZeroFill.zero(d.device(), d.offset() + pos, len)
                    .exceptionally(err -> destinationFailed(i, pos, len, err)));
        }
        CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new))
                .whenComplete((v, err) -> chunkEnded(len, true));
    }

    private void dataChunk(long pos, ByteBuffer buffer, List<Integer> live) {
        int len = buffer.remaining();
        request.source().read(request.sourceOffset() + pos, buffer.duplicate()).whenComplete((v, err) -> {
            if (err != null) {
                copier.buffers().release(buffer);
                fail("source " + request.source().describe() + " failed reading "
                        + (request.sourceOffset() + pos) + "+" + len + " (copy range " + pos + "+" + len + ")", err);
                chunkEnded(len, false);
                return;
            }
            List<CompletableFuture<Void>> ops = new ArrayList<>(live.size());
            for (int i : live) {
                CopyDestination d = request.destinations().get(i);
                ops.add(d.device().write(d.offset() + pos, buffer.duplicate(), false)
                        .exceptionally(werr -> destinationFailed(i, pos, len, werr)));
            }
            CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)).whenComplete((x, y) -> {
                copier.buffers().release(buffer);
                chunkEnded(len, false);
            });
        });
    }

    private void chunkEnded(long len, boolean zero) {
        long done;
        boolean counted;
        synchronized (this) {
            inFlight--;
            counted = state == CopyState.RUNNING;
            if (counted) {
                if (zero) {
                    zeroed += len;
                } else {
                    copied += len;
                }
            }
            done = copied + zeroed;
        }
        if (counted) {
            listener.progress(this, done, request.length());
        }
        pump();
    }

    private void flushDestinations() {
        List<CompletableFuture<Void>> ops = new ArrayList<>();
        for (int i : request.flushAtEnd() ? liveDestinationsNow() : List.<Integer>of()) {
            ops.add(request.destinations().get(i).device().flush()
                    .exceptionally(err -> destinationFailed(i, request.length(), 0, err)));
        }
        CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)).whenComplete((v, err) -> {
            Runnable done = null;
            synchronized (this) {
                inFlight--;
                if (state == CopyState.FLUSHING) {
                    done = finish(CopyState.COMPLETED);
                }
            }
            if (done != null) {
                done.run();
            }
            pump();
        });
    }

    private Void destinationFailed(int index, long pos, long len, Throwable err) {
        DestinationFailure failure = new DestinationFailure(index, request.destinations().get(index), pos, len, unwrap(err));
        synchronized (this) {
            if (dropped[index]) {
                return null;
            }
            dropped[index] = true;
            failures.add(failure);
        }
        // the job's owner reports it (a mirror once per leg and kind of failure): one line per region would flood
        LOG.debug("copy from {}: dropping {}", request.source().describe(), failure);
        listener.destinationFailed(this, failure);
        if (liveDestinationsNow().isEmpty()) {
            fail("every destination failed; the last at copy range " + pos + "+" + len, err);
        }
        return null;
    }

    private void fail(String message, Throwable err) {
        synchronized (this) {
            if (state != CopyState.RUNNING && state != CopyState.FLUSHING) {
                return;
            }
            failureMessage = message;
            failureCause = unwrap(err);
            transition(CopyState.FAILING);
        }
        pump();
    }

    /** Moves to a terminal state and returns the action completing the future. */
    private Runnable finish(CopyState terminal) {
        transition(terminal);
        CopyResult result = new CopyResult(copied, zeroed, failures);
        CopyException error = terminal == CopyState.FAILED
                ? new CopyException(failureMessage, failureCause, failures) : null;
        long unused = prepaid;
        prepaid = 0;
        return () -> {
            if (unused > 0) {
                copier.returnTokens(request.throttleGroup(), unused);
            }
            copier.unregister(this);
            switch (terminal) {
                case COMPLETED -> future.complete(result);
                case CANCELLED -> future.completeExceptionally(cancelled());
                default -> future.completeExceptionally(error);
            }
        };
    }

    private CancellationException cancelled() {
        return new CancellationException("copy of " + request.source().describe() + " "
                + request.sourceOffset() + "+" + request.length() + " cancelled");
    }

    private List<Integer> liveDestinations() {
        List<Integer> live = new ArrayList<>(dropped.length);
        for (int i = 0; i < dropped.length; i++) {
            if (!dropped[i]) {
                live.add(i);
            }
        }
        return live;
    }

    private synchronized List<Integer> liveDestinationsNow() {
        return liveDestinations();
    }

    private void transition(CopyState to) {
        state.checkTransition(to);
        state = to;
    }

    static Throwable unwrap(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    }
}
