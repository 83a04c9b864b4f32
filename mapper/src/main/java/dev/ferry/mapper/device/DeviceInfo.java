package dev.ferry.mapper.device;

/**
 * What {@code dmsetup info} shows for a mapped device.
 *
 * @param name          device name
 * @param state         current state
 * @param openCount     registered openers
 * @param liveTable     a live table is present
 * @param inactiveTable an inactive table is loaded
 * @param eventNumber   events raised by targets so far
 * @param targetCount   targets of the live table (0 without one)
 * @param sizeBytes     size of the live table in bytes (0 without one)
 */
public record DeviceInfo(String name, DeviceState state, int openCount, boolean liveTable, boolean inactiveTable,
        long eventNumber, int targetCount, long sizeBytes) {
}
