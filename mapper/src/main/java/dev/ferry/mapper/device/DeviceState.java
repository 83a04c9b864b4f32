package dev.ferry.mapper.device;

/** The states of a {@link MappedDevice}; see its class javadoc for the transitions. */
public enum DeviceState {
    /** I/O flows to the live table (or fails if there is none). */
    ACTIVE,
    /** New I/O is queued while in-flight I/O drains (and, with flush, the devices are flushed). */
    SUSPENDING,
    /** New I/O is queued; nothing is in flight; a table swap may happen. */
    SUSPENDED,
    /** Gone: I/O fails as shut down, every operation but I/O throws. */
    REMOVED;

    /** Throws {@link IllegalStateException} naming both states unless {@code this} is one of {@code allowed}. */
    void require(DeviceState to, String device, DeviceState... allowed) {
        for (DeviceState s : allowed) {
            if (s == this) {
                return;
            }
        }
        throw new IllegalStateException("device '" + device + "': illegal transition " + this + " -> " + to);
    }
}
