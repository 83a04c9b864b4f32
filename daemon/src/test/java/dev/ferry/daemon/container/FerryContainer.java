package dev.ferry.daemon.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.control.ControlToken;
import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.LoggedProcess;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@code ferry daemon} container of {@link FerryImage} with host networking, its data directory on a named volume
 * of its own and fixed free loopback ports (NBD and the token-protected TCP control endpoint) that survive restarts:
 * start and wait until the image's health check reports healthy, call the control API, open NBD connections, stop
 * with {@code docker stop} (SIGTERM), start a new container on the same volume. {@link #close()} removes both.
 */
public final class FerryContainer implements LoggedProcess {

    /** The data directory in the container (the image's volume). */
    public static final String DATA = "/var/lib/ferry";
    private static final Duration START_DEADLINE = Duration.ofSeconds(180);
    private static final int STOP_SECONDS = 60;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final String image;
    private final String volume = "ferry-it-" + UUID.randomUUID();
    private final int nbdPort = ChildJvm.freePort();
    private final int controlPort = ChildJvm.freePort();
    private final StringBuilder earlierLogs = new StringBuilder();
    private final DockerClient docker = DockerClientFactory.instance().client();
    private GenericContainer<?> container;
    private ControlClient control;

    private FerryContainer(String image) {
        this.image = image;
    }

    /** Starts a daemon container of {@code image} on a new volume and waits until it is healthy. */
    public static FerryContainer start(String image) {
        FerryContainer c = new FerryContainer(image);
        try {
            return c.startAgain();
        } catch (RuntimeException | Error e) {
            System.out.println(c.log());
            c.close();
            throw e;
        }
    }

    /** Starts a new container (after {@link #stop()}) on the same volume and ports and waits until it is healthy. */
    public FerryContainer startAgain() {
        if (container != null && container.isRunning()) {
            throw new IllegalStateException("container " + container.getContainerId() + " still running");
        }
        container = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withCommand("daemon", "--data-dir", DATA, "--listen", "127.0.0.1:" + nbdPort,
                        "--control", DATA + "/control.sock", "--control", "127.0.0.1:" + controlPort)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withBinds(new Bind(volume, new Volume(DATA))))
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(START_DEADLINE));
        container.start();
        String token = container.copyFileFromContainer(DATA + "/" + ControlToken.FILE_NAME,
                in -> new String(in.readAllBytes(), StandardCharsets.US_ASCII)).strip();
        control = new ControlClient(endpoint(), CALL_TIMEOUT, ControlToken.of(token));
        return this;
    }

    /** The TCP control endpoint on loopback. */
    public ControlEndpoint endpoint() {
        return new ControlEndpoint.LoopbackTcp(new InetSocketAddress("127.0.0.1", controlPort));
    }

    /** Calls the control API over TCP with the daemon's token; fails the test on a transport or HTTP error. */
    public JsonNode api(String method, String target, Object body) {
        try {
            return control.call(method, target, body);
        } catch (ControlCallException e) {
            throw new AssertionError(method + " " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** Opens an NBD connection to {@code export} (e.g. {@code vg/lv}) from this JVM; the caller closes it. */
    public NbdClient nbdClient(String export) {
        return NbdClient.connect(NbdClientConfig.builder("127.0.0.1", nbdPort).exportName(export).build()).join();
    }

    /** Runs a command in the container and returns its standard output; fails unless it exits 0. */
    public String exec(String... command) {
        try {
            Container.ExecResult r = container.execInContainer(command);
            if (r.getExitCode() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + r.getExitCode() + ": "
                        + r.getStderr());
            }
            return r.getStdout();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Stops the container with {@code docker stop} (SIGTERM, SIGKILL after 60 s), returns the daemon's exit status. */
    public long stop() {
        String id = container.getContainerId();
        docker.stopContainerCmd(id).withTimeout(STOP_SECONDS).exec();
        Long exit = docker.inspectContainerCmd(id).exec().getState().getExitCodeLong();
        remove();
        return exit == null ? -1 : exit;
    }

    /** Keeps the current container's logs, then kills (if running) and removes it. */
    private void remove() {
        if (container != null) {
            earlierLogs.append(currentLog());
            container.stop();
            container = null;
        }
    }

    private String currentLog() {
        if (container == null || container.getContainerId() == null) {
            return "";
        }
        String head = "--- ferry container " + container.getContainerId() + '\n';
        try {
            return head + container.getLogs();
        } catch (RuntimeException e) {
            return head + "logs unavailable: " + e + '\n';
        }
    }

    /** The logs of every container started, oldest first. */
    @Override
    public String log() {
        return earlierLogs + currentLog();
    }

    /** Removes the container (killing it if it runs) and its volume. */
    @Override
    public void close() {
        remove();
        try {
            docker.removeVolumeCmd(volume).exec();
        } catch (NotFoundException neverCreated) {
            // the first container failed before Docker created the volume
        }
    }
}
