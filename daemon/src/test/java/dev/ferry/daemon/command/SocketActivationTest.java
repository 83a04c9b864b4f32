package dev.ferry.daemon.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.nativeio.LinuxConstants;
import dev.ferry.nbd.server.InheritedListener;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The socket activation variables as systemd and libnbd set them: which passed descriptor is the NBD socket, when the
 * variables are not for this process, and the precise refusals of malformed variables and of descriptors that are not
 * listening stream sockets (probed through a table of socket options standing in for {@code getsockopt}).
 */
class SocketActivationTest {
    private static final long PID = 4242;

    /** Socket options per descriptor: domain, type, listening. */
    private final Map<Integer, int[]> sockets = new HashMap<>();

    private final SocketActivation.SocketOptions options = (fd, option, name) -> {
        int[] s = sockets.get(fd);
        if (s == null) {
            throw new IOException("getsockopt(fd " + fd + ", SOL_SOCKET, " + name + ") failed: ENOTSOCK");
        }
        return option == LinuxConstants.SO_DOMAIN ? s[0] : option == LinuxConstants.SO_TYPE ? s[1] : s[2];
    };

    private Optional<InheritedListener> listener(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return SocketActivation.nbdListener(env, PID, options);
    }

    @Test
    void nothingPassedOrPassedToAnotherProcessMeansBind() {
        assertThat(listener()).isEmpty();
        assertThat(listener("LISTEN_PID", "1", "LISTEN_FDS", "1")).isEmpty();
        assertThat(listener("LISTEN_FDS", "1")).isEmpty();
        assertThat(listener("LISTEN_PID", "4242", "LISTEN_FDS", "0")).isEmpty();
    }

    @Test
    void theOnlyPassedSocketIsServedUnixOrTcp() {
        sockets.put(3, new int[] {LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM, 1});
        assertThat(listener("LISTEN_PID", "4242", "LISTEN_FDS", "1")).contains(new InheritedListener(3, true));
        sockets.put(3, new int[] {LinuxConstants.AF_INET6, LinuxConstants.SOCK_STREAM, 1});
        assertThat(listener("LISTEN_PID", "4242", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "whatever"))
                .contains(new InheritedListener(3, false));
    }

    @Test
    void amongSeveralTheOneNamedNbdIsServed() {
        sockets.put(4, new int[] {LinuxConstants.AF_INET, LinuxConstants.SOCK_STREAM, 1});
        assertThat(listener("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "control:nbd"))
                .contains(new InheritedListener(4, false));
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", "2"))
                .isInstanceOf(CommandFailure.class).hasMessageContaining("2 sockets were passed")
                .hasMessageContaining("FileDescriptorName=nbd");
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "a:b"))
                .isInstanceOf(CommandFailure.class).hasMessageContaining("'a:b'");
    }

    @Test
    void malformedCountIsAUsageError() {
        for (String count : new String[] {"", "x", "-1", "99999"}) {
            assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", count))
                    .isInstanceOf(CommandFailure.class).hasMessageContaining("LISTEN_FDS is '" + count + "'")
                    .extracting(e -> ((CommandFailure) e).exitCode()).isEqualTo(ExitCodes.USAGE);
        }
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242")).hasMessageContaining("LISTEN_FDS is missing");
    }

    @Test
    void aDescriptorThatIsNoListeningStreamSocketIsRefused() {
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", "1"))
                .isInstanceOf(CommandFailure.class).hasMessageContaining("passed descriptor 3 cannot be served")
                .hasMessageContaining("ENOTSOCK");
        sockets.put(3, new int[] {LinuxConstants.AF_UNIX, LinuxConstants.SOCK_STREAM, 0});
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", "1"))
                .hasMessageContaining("not a listening TCP or Unix stream socket").hasMessageContaining("not listening");
        sockets.put(3, new int[] {LinuxConstants.AF_INET, 2, 1});
        assertThatThrownBy(() -> listener("LISTEN_PID", "4242", "LISTEN_FDS", "1")).hasMessageContaining("type 2");
    }
}
