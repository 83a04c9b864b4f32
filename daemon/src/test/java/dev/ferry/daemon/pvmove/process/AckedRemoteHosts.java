package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The fixture of the link-fault cells: a {@link RemoteDestination} whose nbdkit serves each connection with one thread
 * ({@link RemoteDestination#openSerial}), the remote PV's URI carrying short link settings, and LV {@code vg/acked}
 * (16 MiB) on the local PV, filled and then written all along by a writer of acknowledged FUA blocks; with the bound
 * no write of an LV may wait past (the request timeout plus the reconnect window plus a second).
 */
final class AckedRemoteHosts implements AutoCloseable {

    /** How long each wait may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The request timeout of {@link #LINK} and {@link #LINK_WITHOUT_HEARTBEAT}. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The remote PV's link settings but the reconnect window: short, so that the faults play out in seconds. */
    static final String LINK = "connect-timeout=1s&request-timeout=2s&heartbeat-interval=200ms";
    /**
     * {@link #LINK} without heartbeats, for flaps: the cut is then always found by a destination write's deadline
     * (a copy at 2 MiB/s or faster writes to the destination at least every second). With heartbeats, a cut while the
     * destination is idle for a heartbeat interval is found by the heartbeat instead, and the writes sent after it
     * are resent on the new connection: no write fails, so the move is not held (seen once in CI), a different case.
     */
    static final String LINK_WITHOUT_HEARTBEAT = "connect-timeout=1s&request-timeout=2s&heartbeat-interval=0s";
    private static final long MIB = 1 << 20;

    private final RemoteDestination hosts;
    private final MoveApi api;
    private final Duration window;
    private final AckedBlockWriter writer;
    private final NbdClient client;

    private AckedRemoteHosts(RemoteDestination hosts, Duration window) {
        this.hosts = hosts;
        this.api = new MoveApi(hosts.daemon());
        this.window = window;
        hosts.daemon().cliOk("lvcreate", "-n", "acked", "-L", "16M", "vg", hosts.local());
        writer = new AckedBlockWriter(Seeds.fresh(), 4096, (int) (16 * MIB / 4096), 4);
        client = hosts.daemon().nbdClient("vg/acked");
        writer.fill(client);
        writer.start(client);
    }

    /**
     * Opens the hosts (a 64 MiB disk on each side), the remote PV's URI carrying {@code link} and
     * {@code reconnectWindow} (whole seconds), and starts the writer.
     */
    static AckedRemoteHosts start(TwoHosts daemons, Path dir, String link, Duration reconnectWindow)
            throws IOException {
        RemoteDestination hosts = daemons.openSerial(dir, 64 * MIB, link + "&reconnect-window="
                + reconnectWindow.toSeconds() + "s");
        return new AckedRemoteHosts(hosts, reconnectWindow);
    }

    RemoteDestination hosts() {
        return hosts;
    }

    FerryDaemon daemon() {
        return hosts.daemon();
    }

    MoveApi api() {
        return api;
    }

    AckedBlockWriter writer() {
        return writer;
    }

    /** The longest any write of an LV may wait: the request timeout plus the reconnect window plus a second. */
    Duration bound() {
        return REQUEST_TIMEOUT.plus(window).plusSeconds(1);
    }

    /** The reconnect window of the remote PV's link. */
    Duration window() {
        return window;
    }

    /**
     * Waits until {@code percent} % of the move is copied and checks that it is not all copied yet, so the fault that
     * follows lands during the copy.
     */
    void awaitCopied(int percent) {
        Poll.until(TIMEOUT, percent + " % of the copy", () -> api.percent() >= percent);
        assertThat(api.percent()).as("the fault lands before the copy ends").isLessThan(100);
    }

    /**
     * How often the daemon logged {@code text} so far (link transitions such as {@code UP -> RECONNECTING}: pvs,
     * polled through a CLI that starts a JVM per call, can miss a short spell of a state on a loaded machine, so the
     * daemon's log is the witness).
     */
    int logged(String text) {
        String log = hosts.daemon().log();
        int n = 0;
        for (int at = log.indexOf(text); at >= 0; at = log.indexOf(text, at + text.length())) {
            n++;
        }
        return n;
    }

    /** A pattern matching the remote PV's name in pvs output. */
    String remotePattern() {
        return Pattern.quote(hosts.remote());
    }

    /**
     * Stops the writer and checks that no write of it failed or waited past {@link #bound()} and that every
     * acknowledged write reads back.
     */
    void stopWriterAndVerify() {
        assertThat(writer.stop()).as("a failed write").isNull();
        assertThat(writer.worstLatency()).as("no LV write waited past request timeout + window + 1 s")
                .isLessThanOrEqualTo(bound());
        writer.verifyAndSettle(client);
    }

    /** Closes the writer's connection (the hosts close with the {@link TwoHosts} that opened them). */
    @Override
    public void close() {
        client.close();
    }
}
