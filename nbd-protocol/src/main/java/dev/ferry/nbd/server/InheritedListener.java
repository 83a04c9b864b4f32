package dev.ferry.nbd.server;

/**
 * A listening stream socket this process was handed, already bound (by systemd's socket activation, or by libnbd
 * running the server as its subprocess), which {@link NbdServer#startOn} serves instead of binding one.
 *
 * @param fd         the descriptor number
 * @param unixDomain true for an {@code AF_UNIX} socket, false for TCP over IPv4 or IPv6
 */
public record InheritedListener(int fd, boolean unixDomain) {

    /** Validates the descriptor number. */
    public InheritedListener {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor must be >= 0: " + fd);
        }
    }

    /** How logs name it, e.g. {@code inherited fd 3 (unix)}. */
    public String describe() {
        return "inherited fd " + fd + " (" + (unixDomain ? "unix" : "tcp") + ")";
    }
}
