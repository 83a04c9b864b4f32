package dev.ferry.daemon.command;

import dev.ferry.mapper.nativeio.LinuxConstants;
import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.nbd.server.InheritedListener;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The NBD listening socket handed over by systemd's socket activation protocol, as systemd and libnbd (running a server
 * as its subprocess) pass it: {@code LISTEN_PID} names this process, {@code LISTEN_FDS} counts the descriptors from 3
 * on, and {@code LISTEN_FDNAMES} optionally names them. Ferry takes exactly one listening stream socket (TCP or Unix):
 * the only one passed, or the one named {@value #NBD_NAME}; anything else is refused with a precise message.
 */
public final class SocketActivation {
    /** The first passed descriptor ({@code SD_LISTEN_FDS_START}). */
    static final int FIRST_FD = 3;
    /** The name that picks the NBD socket among several. */
    static final String NBD_NAME = "nbd";

    /** Reads an integer {@code SOL_SOCKET} option of a descriptor (the real one is {@code getsockopt}). */
    @FunctionalInterface
    public interface SocketOptions {
        /** The value of {@code option} (named {@code name}) on {@code fd}. */
        int get(int fd, int option, String name) throws IOException;
    }

    private SocketActivation() {
    }

    /** {@link #nbdListener(Map, long, SocketOptions)} for this process, probing with {@code getsockopt}. */
    public static Optional<InheritedListener> nbdListener() {
        return nbdListener(System.getenv(), ProcessHandle.current().pid(), (fd, option, name) ->
                NativeIo.get().socketOption(fd, option, name));
    }

    /**
     * The NBD socket passed to process {@code pid} in {@code env}; empty when nothing was passed to it (no
     * {@code LISTEN_PID}, or another process's).
     *
     * @throws CommandFailure USAGE when the variables are malformed, name no NBD socket, or the descriptor is not a
     *                        listening TCP or Unix stream socket
     */
    public static Optional<InheritedListener> nbdListener(Map<String, String> env, long pid, SocketOptions options) {
        String listenPid = env.get("LISTEN_PID");
        if (listenPid == null || !listenPid.trim().equals(Long.toString(pid))) {
            return Optional.empty();
        }
        int count = count(env.get("LISTEN_FDS"));
        if (count == 0) {
            return Optional.empty();
        }
        return Optional.of(probe(FIRST_FD + index(count, env.get("LISTEN_FDNAMES")), options));
    }

    private static int count(String text) {
        if (text == null || !text.trim().matches("[0-9]{1,4}")) {
            throw CommandFailure.usage("LISTEN_PID names this process but LISTEN_FDS is "
                    + (text == null ? "missing" : "'" + text + "'") + ": socket activation needs a descriptor count");
        }
        return Integer.parseInt(text.trim());
    }

    /** Which passed descriptor is the NBD socket: the only one, or the one named {@value #NBD_NAME}. */
    private static int index(int count, String names) {
        if (count == 1) {
            return 0;
        }
        List<String> named = names == null ? List.of() : Arrays.asList(names.split(":", -1));
        int at = named.indexOf(NBD_NAME);
        if (named.size() != count || at < 0) {
            throw CommandFailure.usage(count + " sockets were passed (LISTEN_FDS) but none is named '" + NBD_NAME
                    + "' in LISTEN_FDNAMES (" + (names == null ? "unset" : "'" + names + "'")
                    + "): name the NBD socket FileDescriptorName=" + NBD_NAME + " in the socket unit");
        }
        return at;
    }

    private static InheritedListener probe(int fd, SocketOptions options) {
        try {
            int domain = options.get(fd, LinuxConstants.SO_DOMAIN, "SO_DOMAIN");
            int type = options.get(fd, LinuxConstants.SO_TYPE, "SO_TYPE");
            boolean listening = options.get(fd, LinuxConstants.SO_ACCEPTCONN, "SO_ACCEPTCONN") == 1;
            boolean known = domain == LinuxConstants.AF_UNIX || domain == LinuxConstants.AF_INET
                    || domain == LinuxConstants.AF_INET6;
            if (!known || type != LinuxConstants.SOCK_STREAM || !listening) {
                throw CommandFailure.usage("passed descriptor " + fd + " is not a listening TCP or Unix stream socket "
                        + "(domain " + domain + ", type " + type + (listening ? ", listening)" : ", not listening)"));
            }
            return new InheritedListener(fd, domain == LinuxConstants.AF_UNIX);
        } catch (IOException e) {
            throw CommandFailure.usage("passed descriptor " + fd + " cannot be served: " + e.getMessage());
        }
    }
}
