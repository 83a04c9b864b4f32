package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.export.ExportCapabilities;

/** Derives the transmission flags advertised for an export from its capabilities and the negotiation. */
final class TransmissionFlags {

    private TransmissionFlags() {
    }

    /** The flags for {@code caps}; SEND_DF only when structured replies are in use. */
    static int of(ExportCapabilities caps, boolean structuredReplies) {
        int flags = NBD_FLAG_HAS_FLAGS;
        flags |= caps.readOnly() ? NBD_FLAG_READ_ONLY : 0;
        flags |= caps.flush() ? NBD_FLAG_SEND_FLUSH : 0;
        flags |= caps.fua() ? NBD_FLAG_SEND_FUA : 0;
        flags |= caps.rotational() ? NBD_FLAG_ROTATIONAL : 0;
        boolean writable = !caps.readOnly();
        flags |= writable && caps.trim() ? NBD_FLAG_SEND_TRIM : 0;
        flags |= writable && caps.writeZeroes() ? NBD_FLAG_SEND_WRITE_ZEROES : 0;
        flags |= writable && caps.writeZeroes() && caps.fastZero() ? NBD_FLAG_SEND_FAST_ZERO : 0;
        flags |= structuredReplies ? NBD_FLAG_SEND_DF : 0;
        flags |= caps.multiConn() ? NBD_FLAG_CAN_MULTI_CONN : 0;
        flags |= caps.cache() ? NBD_FLAG_SEND_CACHE : 0;
        return flags;
    }
}
