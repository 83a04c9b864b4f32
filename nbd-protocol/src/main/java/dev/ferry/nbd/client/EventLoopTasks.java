package dev.ferry.nbd.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
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
     * Runs {@code task} on the channel's event loop (inline when the caller is already on it); runs
     * {@code ifGone} on the calling thread instead when the loop no longer accepts tasks.
     */
    static void run(Channel channel, Runnable task, Consumer<RejectedExecutionException> ifGone) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            ifGone.accept(e);
        }
    }
}
