package dev.ferry.mapper.nativeio;

import java.util.Set;

/**
 * Who is at the other end of a connected Unix socket, as the kernel recorded it when the peer connected.
 *
 * @param pid    the peer's process id
 * @param uid    its effective user id
 * @param gid    its effective group id
 * @param groups its supplementary group ids (empty where the kernel cannot tell: {@code SO_PEERGROUPS} needs 4.13)
 */
public record PeerCredentials(int pid, int uid, int gid, Set<Integer> groups) {

    /** Copies the groups. */
    public PeerCredentials {
        groups = Set.copyOf(groups);
    }

    /** Whether the peer's effective or a supplementary group is {@code groupId}. */
    public boolean inGroup(int groupId) {
        return gid == groupId || groups.contains(groupId);
    }
}
