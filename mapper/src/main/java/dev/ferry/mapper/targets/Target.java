package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import java.util.concurrent.CompletableFuture;

/**
 * One mapping rule of a table, covering {@link #size()} bytes of a mapped device from the start of
 * its table line: I/O arrives with offsets relative to that start. A target is a {@link BlockDevice}
 * plus the text forms {@code dmsetup table} and {@code dmsetup status} print.
 *
 * <p>Targets do not own the devices they map onto: {@link #close()} releases only the target's own
 * resources (threads, region logs), never the underlying devices.
 */
public interface Target extends BlockDevice {

    /** The target type name as written in a table line, e.g. {@code linear}. */
    String type();

    /** The arguments as {@code dmsetup table} prints them (after start, length and type). */
    String params();

    /** The status text as {@code dmsetup status} prints it (after start, length and type). */
    String status();

    /**
     * Called when the device holding this target begins to suspend, while I/O still flows (dm's presuspend);
     * targets with background work (mirror recovery) stop it here, so the window in which I/O is held stays
     * short. Completes when stopped. If the suspend then fails, {@link #resume()} is called.
     */
    default CompletableFuture<Void> presuspend() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Called when the device holding this target suspends, after in-flight I/O drained; targets with
     * background work (mirror recovery) pause it here. Completes when paused.
     */
    default CompletableFuture<Void> postsuspend() {
        return CompletableFuture.completedFuture(null);
    }

    /** Called when the table holding this target becomes live (first resume) or resumes again. */
    default void resume() {
    }
}
