package dev.ferry.daemon.control;

import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.mapper.nativeio.PeerCredentials;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may use the control API over its Unix socket: root, the daemon's own user, and the members (by effective or
 * supplementary group) of an optional control group, told apart by the peer credentials the kernel recorded at
 * connect ({@code SO_PEERCRED}, {@code SO_PEERGROUPS}). On the epoll transport every connection is checked; on the NIO
 * fallback, which cannot reach the descriptor, the socket file's mode (0600, or 0660 with the group) is the only
 * guard. Clients over loopback TCP are judged by their token instead ({@link ControlToken}).
 */
public final class ControlPeers {

    /**
     * One connection's peer as the control server judges it.
     *
     * @param description who it is, for the log: {@code uid=U gid=G pid=P} or {@code TCP ADDRESS:PORT}
     * @param refusal     why it may not use the API; empty when it may
     */
    public record Peer(String description, Optional<String> refusal) {
    }

    private final int daemonUid;
    private final Optional<Group> group;

    /**
     * The group whose members may use the control socket.
     *
     * @param name its name, for messages
     * @param gid  its id
     */
    public record Group(String name, int gid) {
    }

    /** Admits root, {@code daemonUid} and the members of {@code group}. */
    public ControlPeers(int daemonUid, Optional<Group> group) {
        this.daemonUid = daemonUid;
        this.group = Objects.requireNonNull(group, "group");
    }

    /** Admits root, this process's user and the members of {@code group}. */
    public static ControlPeers forThisProcess(Optional<Group> group) {
        try {
            return new ControlPeers((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"), group);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's uid from /proc/self", e);
        }
    }

    /** The control group, if any. */
    public Optional<Group> group() {
        return group;
    }

    /** Judges the peer of a freshly accepted connection. */
    Peer identify(Channel channel) {
        if (channel.remoteAddress() instanceof InetSocketAddress tcp) {
            return new Peer("TCP " + tcp.getAddress().getHostAddress() + ":" + tcp.getPort(), Optional.empty());
        }
        if (!(channel instanceof EpollDomainSocketChannel epoll)) {
            return new Peer("a peer on the Unix socket (not identified on the NIO transport)", Optional.empty());
        }
        PeerCredentials c;
        try {
            c = NativeIo.get().peerCredentials(epoll.fd().intValue());
        } catch (IOException e) {
            return new Peer("an unidentified peer on the Unix socket", Optional.of("its credentials cannot be read ("
                + e.getMessage() + ")"));
        }
        return new Peer("uid=" + c.uid() + " gid=" + c.gid() + " pid=" + c.pid(), admits(c) ? Optional.empty()
            : Optional.of("uid " + c.uid() + " (gid " + c.gid() + ") may not use the control API: only " + admitted()
                + " may" + (group.isEmpty() ? " (the daemon's --control-group admits a group)" : "")));
    }

    private String admitted() {
        List<String> who = new ArrayList<>(List.of("root"));
        if (daemonUid != 0) {
            who.add("the daemon's user (uid " + daemonUid + ")");
        }
        group.ifPresent(g -> who.add("members of group '" + g.name() + "' (gid " + g.gid() + ")"));
        return who.size() == 1 ? who.get(0)
            : String.join(", ", who.subList(0, who.size() - 1)) + " and " + who.get(who.size() - 1);
    }

    /** Whether peer {@code c} may use the control API. */
    public boolean admits(PeerCredentials c) {
        return c.uid() == 0 || c.uid() == daemonUid || group.isPresent() && c.inGroup(group.get().gid());
    }
}
