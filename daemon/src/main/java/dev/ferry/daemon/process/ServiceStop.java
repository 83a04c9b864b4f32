package dev.ferry.daemon.process;

/**
 * How one service stopped.
 *
 * @param service the service name
 * @param clean   true when it returned normally before the deadline
 * @param detail  "stopped", or what went wrong
 */
public record ServiceStop(String service, boolean clean, String detail) {
}
