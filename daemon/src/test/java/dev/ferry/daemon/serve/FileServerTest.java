package dev.ferry.daemon.serve;

import static dev.ferry.daemon.serve.FileServer.State.NEW;
import static dev.ferry.daemon.serve.FileServer.State.RUNNING;
import static dev.ferry.daemon.serve.FileServer.State.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.serve.FileServer.State;
import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.server.TlsSettings;
import dev.ferry.nbd.server.Transport;
import dev.ferry.nbd.testing.TransitionTable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry serve}'s NEW / RUNNING / STOPPED life cycle: the enum's edges, and how start and stop walk them. */
class FileServerTest {
    /** The edges drawn in FileServer.State's javadoc. */
    private static final Map<State, Set<State>> DIAGRAM = Map.of(
        NEW, EnumSet.of(RUNNING),
        RUNNING, EnumSet.of(STOPPED),
        STOPPED, EnumSet.noneOf(State.class));

    @TempDir
    Path dir;

    private FileServer server(Path file, long createSize) {
        return new FileServer(new ServeOptions(file, "disk", "", new InetSocketAddress("127.0.0.1", 0), Optional.empty(),
            Optional.empty(), false, OptionalLong.of(createSize), false, Transport.NIO, Duration.ofSeconds(5),
            TlsSettings.OFF, Optional.empty(), ExportAccess.OPEN));
    }

    @Test
    void everyLegalTransitionIsAcceptedAndEveryOtherThrowsNamingBothStates() {
        TransitionTable.assertMatches(State.values(), DIAGRAM, State::successors, State::checkTransition,
                (from, to) -> "file server cannot go from " + from + " to " + to);
    }

    @Test
    void startServesUntilAStopIsRequestedThenEndsStopped() throws Exception {
        FileServer s = server(dir.resolve("disk.img"), 1 << 20);
        assertThat(s.state()).isEqualTo(NEW);
        InetSocketAddress bound = (InetSocketAddress) s.start(() -> { });
        assertThat(s.state()).isEqualTo(RUNNING);
        try (Socket probe = new Socket(bound.getAddress(), bound.getPort())) {
            assertThat(probe.isConnected()).isTrue();
        }
        assertThatThrownBy(() -> s.start(() -> { })).isInstanceOf(IllegalStateException.class)
            .hasMessage("file server cannot go from RUNNING to RUNNING");
        s.requestStop();
        assertThat(s.awaitStopRequestAndStop()).isTrue();
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThatThrownBy(s::awaitStopRequestAndStop).isInstanceOf(IllegalStateException.class)
            .hasMessage("file server cannot go from STOPPED to STOPPED");
        assertThatThrownBy(() -> s.start(() -> { })).isInstanceOf(IllegalStateException.class)
            .hasMessage("file server cannot go from STOPPED to RUNNING");
    }

    @Test
    void aServerThatNeverStartedCannotStop() {
        FileServer s = server(dir.resolve("disk.img"), 1 << 20);
        s.requestStop();
        assertThatThrownBy(s::awaitStopRequestAndStop).isInstanceOf(IllegalStateException.class)
            .hasMessage("file server cannot go from NEW to STOPPED");
        assertThat(s.state()).isEqualTo(NEW);
    }

    @Test
    void aFailedStartEndsStopped() throws Exception {
        Path file = Files.write(dir.resolve("small.img"), new byte[4096]);
        FileServer s = server(file, 1 << 20);
        assertThatThrownBy(() -> s.start(() -> { })).isInstanceOf(CommandFailure.class)
            .hasMessageContaining("--size only sets the size of a file it creates");
        assertThat(s.state()).isEqualTo(STOPPED);
        assertThat(file).hasSize(4096);
    }
}
