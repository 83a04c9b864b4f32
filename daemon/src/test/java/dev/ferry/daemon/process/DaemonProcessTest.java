package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpointInUseException;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon lifecycle in this JVM: ordered services, the readiness gate, deadlines, the data-directory lock. */
class DaemonProcessTest {
    @TempDir
    Path dir;

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<DaemonProcess> daemons = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (DaemonProcess d : daemons) {
            d.stop("test over");
        }
    }

    /** A service that records its start and stop, optionally blocking or failing. */
    private final class Recording implements DaemonService {
        private final String name;
        private final CountDownLatch startGate;
        private final boolean failStart;
        private final CountDownLatch stopGate;

        Recording(String name) {
            this(name, null, false, null);
        }

        Recording(String name, CountDownLatch startGate, boolean failStart, CountDownLatch stopGate) {
            this.name = name;
            this.startGate = startGate;
            this.failStart = failStart;
            this.stopGate = stopGate;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start(DaemonContext context) throws Exception {
            events.add("start " + name);
            if (startGate != null) {
                startGate.await();
            }
            if (failStart) {
                throw new IllegalStateException(name + " cannot bind 127.0.0.1:10809: address in use");
            }
        }

        @Override
        public void stop(Deadline deadline) throws Exception {
            events.add("stop " + name);
            if (stopGate != null) {
                stopGate.await();
            }
        }
    }

    private DaemonConfig config(String dataDir) {
        DaemonConfig d = DaemonConfig.defaults(dir.resolve(dataDir));
        return new DaemonConfig(d.dataDir(), d.nbdListen(), d.controlSocket(), Optional.empty(), Optional.empty(), 1,
            Duration.ofMillis(300));
    }

    private DaemonProcess daemon(DaemonConfig config, DaemonService... services) {
        DaemonProcess d = DaemonProcess.builder(config).services(List.of(services))
            .routes(r -> r.add(HttpMethod.GET, "/v1/lvs", req -> Map.of("lvs", List.of()))).build();
        daemons.add(d);
        return d;
    }

    private static ControlClient client(DaemonConfig config) {
        return new ControlClient(config.controlSocket(), Duration.ofSeconds(20));
    }

    @Test
    void startsServicesInOrderAndStopsThemInReverseThenReleasesEverything() throws Exception {
        DaemonConfig config = config("data");
        DaemonProcess d = daemon(config, new Recording("volumes"), new Recording("nbd-server"));
        assertThat(d.state()).isEqualTo(DaemonState.NEW);
        d.start();
        assertThat(d.state()).isEqualTo(DaemonState.RUNNING);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.dataDir()))).isEqualTo("rwx------");
        assertThat(Files.readString(config.dataDir().resolve(DataDirectory.LOCK_FILE)).trim())
            .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        JsonNode health = client(config).call("GET", "/v1/health", null);
        assertThat(health.get("state").asText()).isEqualTo("RUNNING");
        assertThat(health.get("services").toString()).isEqualTo("[\"volumes\",\"nbd-server\"]");
        assertThat(client(config).call("GET", "/v1/lvs", null).get("lvs").isArray()).isTrue();

        StopReport report = d.stop("test");
        assertThat(report.clean()).isTrue();
        assertThat(report.services()).extracting(ServiceStop::service).containsExactly("nbd-server", "volumes");
        assertThat(events).containsExactly("start volumes", "start nbd-server", "stop nbd-server", "stop volumes");
        assertThat(d.state()).isEqualTo(DaemonState.STOPPED);
        assertThat(config.controlSocket().path()).doesNotExist();
        try (DataDirectory again = DataDirectory.open(config.dataDir())) {
            assertThat(again.path()).isEqualTo(config.dataDir());
        }
        assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class)
            .hasMessage("daemon cannot move from STOPPED to STARTING");
    }

    @Test
    void answersHealthButRefusesOperationsWhileStarting() throws Exception {
        DaemonConfig config = config("data");
        CountDownLatch release = new CountDownLatch(1);
        DaemonProcess d = daemon(config, new Recording("volumes", release, false, null));
        CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
            try {
                d.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        dev.ferry.daemon.testing.Poll.until(Duration.ofSeconds(20), "volumes starting", () -> events.contains("start volumes"));
        assertThat(client(config).call("GET", "/v1/health", null).get("state").asText()).isEqualTo("STARTING");
        assertThatThrownBy(() -> client(config).call("GET", "/v1/lvs", null))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo("DAEMON_STARTING");
                assertThat(e.httpStatus()).isEqualTo(503);
                assertThat(e.exitCode()).isEqualTo(4);
            });
        release.countDown();
        started.get(20, TimeUnit.SECONDS);
        assertThat(client(config).call("GET", "/v1/lvs", null).get("lvs").isArray()).isTrue();
    }

    @Test
    void aFailingServiceStopsTheOnesStartedBeforeItAndLeavesNothingBehind() throws Exception {
        DaemonConfig config = config("data");
        DaemonProcess d = daemon(config, new Recording("volumes"), new Recording("nbd-server", null, true, null),
            new Recording("jobs"));
        assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class)
            .hasMessage("nbd-server cannot bind 127.0.0.1:10809: address in use");
        assertThat(events).containsExactly("start volumes", "start nbd-server", "stop volumes");
        assertThat(d.state()).isEqualTo(DaemonState.STOPPED);
        assertThat(d.awaitTermination().reason()).isEqualTo("start failed: nbd-server cannot bind 127.0.0.1:10809: address in use");
        assertThat(config.controlSocket().path()).doesNotExist();
        DaemonProcess again = daemon(config, new Recording("volumes"));
        again.start();
        assertThat(again.state()).isEqualTo(DaemonState.RUNNING);
    }

    @Test
    void aServiceOverrunningTheDeadlineMakesTheStopUncleanButTheOthersStillStop() throws Exception {
        DaemonConfig config = config("data");
        CountDownLatch never = new CountDownLatch(1);
        AtomicLong now = new AtomicLong();
        DaemonProcess d = DaemonProcess.builder(config).nanoClock(now::get)
            .service(new Recording("volumes")).service(new Recording("nbd-server", null, false, never)).build();
        daemons.add(d);
        d.start();
        StopReport report = d.stop("test");
        never.countDown();
        assertThat(report.clean()).isFalse();
        assertThat(report.services()).containsExactly(
            new ServiceStop("nbd-server", false, "did not stop within the shutdown deadline"),
            new ServiceStop("volumes", true, "stopped"));
        assertThat(d.state()).isEqualTo(DaemonState.STOPPED);
    }

    @Test
    void aSecondDaemonOnTheSameDataDirectoryIsRefusedWithTheHoldersPid() throws Exception {
        DaemonConfig config = config("data");
        daemon(config).start();
        DaemonProcess second = daemon(config);
        assertThatThrownBy(second::start).isInstanceOf(DataDirectoryLockedException.class)
            .hasMessage("data directory " + config.dataDir() + " is in use by another ferry daemon (pid "
                + ProcessHandle.current().pid() + "; lock file " + config.dataDir().resolve("ferry.lock") + ")");
        assertThat(second.state()).isEqualTo(DaemonState.STOPPED);
        assertThat(client(config).call("GET", "/v1/health", null).get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void aSecondDaemonOnTheSameControlSocketIsRefused() throws Exception {
        DaemonConfig first = config("one");
        daemon(first).start();
        DaemonConfig d = config("two");
        DaemonConfig sameSocket = new DaemonConfig(d.dataDir(), d.nbdListen(), first.controlSocket(), Optional.empty(),
            Optional.empty(), 1, d.shutdownTimeout());
        DaemonProcess second = daemon(sameSocket);
        assertThatThrownBy(second::start).isInstanceOf(ControlEndpointInUseException.class)
            .hasMessage("another ferry daemon is already listening on " + first.controlSocket().path());
        assertThat(client(first).call("GET", "/v1/health", null).get("state").asText()).isEqualTo("RUNNING");
        try (DataDirectory released = DataDirectory.open(d.dataDir())) {
            assertThat(released.path()).isEqualTo(d.dataDir());
        }
    }

    @Test
    void shutdownThroughTheControlApiWithoutWaitingAnswers202() throws Exception {
        DaemonConfig config = config("data");
        DaemonProcess d = daemon(config, new Recording("volumes"));
        d.start();
        JsonNode answer = client(config).call("POST", "/v1/shutdown?wait=false", null);
        assertThat(answer.get("state").asText()).isEqualTo("STOPPING");
        StopReport report = d.termination().get(20, TimeUnit.SECONDS);
        assertThat(report.reason()).isEqualTo("shutdown requested through the control API");
        assertThat(report.clean()).isTrue();
        assertThat(events).containsExactly("start volumes", "stop volumes");
    }

    @Test
    void aStopBeforeStartEndsStoppedWithoutOpeningAnything() throws Exception {
        DaemonConfig config = config("data");
        DaemonProcess d = daemon(config);
        assertThat(d.stop("never started").clean()).isTrue();
        assertThat(d.state()).isEqualTo(DaemonState.STOPPED);
        assertThat(config.dataDir()).doesNotExist();
    }

    @Test
    void aServiceCanStopTheDaemonThroughItsContext() throws Exception {
        DaemonConfig config = config("data");
        CompletableFuture<DaemonContext> context = new CompletableFuture<>();
        DaemonProcess d = daemon(config, new Recording("volumes"), new DaemonService() {
            @Override
            public String name() {
                return "nbd-server";
            }

            @Override
            public void start(DaemonContext c) {
                context.complete(c);
            }

            @Override
            public void stop(Deadline deadline) {
                events.add("stop nbd-server");
            }
        });
        d.start();
        assertThat(context.get().dataDir()).isEqualTo(config.dataDir());
        assertThat(context.get().meterRegistry()).isSameAs(d.meterRegistry());
        context.get().requestStop().accept("fatal: metadata area of pv0 unreadable");
        StopReport report = d.termination().get(20, TimeUnit.SECONDS);
        assertThat(report.reason()).isEqualTo("fatal: metadata area of pv0 unreadable");
        assertThat(events).containsExactly("start volumes", "stop nbd-server", "stop volumes");
    }
}
