package dev.ferry.nbd.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Hands work from caller threads to a connection's event loop, with a fallback for when that loop is gone.
 *
 * <p>Why every caller-thread entry point goes through here: a connection opened without an external event
 * loop group owns a private one that shuts down as soon as the channel closes. Netty notifies a listener added
 * from a foreign thread to an already completed future through the future's event loop; once that loop has
 * terminated, the notification is rejected and the listener is silently dropped. So listeners on channel
 * futures are added only on the loop itself (where a completed future notifies inline), and a rejected task
 * means the connection has closed.
 */
final class EventLoopTasks {

    private EventLoopTasks() {
    }

    /**
     * Runs {@code task} on the channel's event loop (inline when the caller is already on it), or {@code ifGone}
     * instead when the loop no longer accepts tasks: exactly one of the two runs.
     */
    static void run(Channel channel, Runnable task, Consumer<RejectedExecutionException> ifGone) {
        run(channel.eventLoop(), task, ifGone);
    }

    /**
     * {@link #run(Channel, Runnable, Consumer)} on {@code loop}. A task accepted while the loop is shutting down can
     * be left in its queue when it terminates (Netty then only logs that it terminated with a non-empty task queue):
     * such a task runs {@code ifGone} once the loop has terminated, on the thread that reports the termination.
     */
    static void run(EventLoop loop, Runnable task, Consumer<RejectedExecutionException> ifGone) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        AtomicBoolean claimed = new AtomicBoolean();
        try {
            loop.execute(() -> {
                if (claimed.compareAndSet(false, true)) {
                    task.run();
                }
            });
        } catch (RejectedExecutionException e) {
            ifGone.accept(e);
            return;
        }
        if (loop.isShuttingDown()) {
            loop.terminationFuture().addListener(f -> {
                if (claimed.compareAndSet(false, true)) {
                    ifGone.accept(new RejectedExecutionException("the event loop terminated before running the task"));
                }
            });
        }
    }
}
