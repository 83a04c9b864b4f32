package dev.ferry.mapper.device;

/** Whether a suspend also flushes the devices under the live table once in-flight I/O has drained. */
public enum SuspendMode {
    /** Drain, then flush every target's devices (what LVM does for pvmove). */
    FLUSH,
    /** Drain only. */
    NOFLUSH
}
