package dev.ferry.nbd.access;

/**
 * The credentials of the process at the other end of a Unix socket, as the kernel reports them ({@code SO_PEERCRED}:
 * those of the process that connected, at the time it connected).
 *
 * @param pid the process id
 * @param uid the effective user id
 * @param gid the effective (primary) group id; supplementary groups are not reported
 */
public record UnixCredentials(int pid, int uid, int gid) {
}
