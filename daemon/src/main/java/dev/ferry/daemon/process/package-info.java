/**
 * The daemon process: configuration, data directory and its lock, the lifecycle (STARTING, RUNNING,
 * STOPPING, STOPPED) with ordered services and a bounded graceful stop, and the {@code ferry daemon} command.
 */
package dev.ferry.daemon.process;
