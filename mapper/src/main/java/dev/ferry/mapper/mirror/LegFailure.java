package dev.ferry.mapper.mirror;

/**
 * A leg failure raised as an event.
 *
 * @param leg    leg index (0 = default leg)
 * @param device the leg's device name as in the table
 * @param error  the kind of failure
 * @param offset byte offset (relative to the target) of the failed operation, -1 for a flush
 * @param cause  the device's error
 */
public record LegFailure(int leg, String device, LegError error, long offset, Throwable cause) { }
