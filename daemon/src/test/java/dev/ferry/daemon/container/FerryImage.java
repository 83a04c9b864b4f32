package dev.ferry.daemon.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.ferry.daemon.testing.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Ferry's daemon image as docker/Dockerfile builds it from the jar of this build (kept for inspection; the next
 * build replaces it): the context is the files listed in docker/image-files (as for docker/build-image.sh), on the
 * base image that docker/build-image.sh --base-only makes. Built once per JVM, after checking the Docker engine is
 * usable: without one the calling test is skipped with the reason ({@link Prerequisites#require}, so CI fails).
 */
public final class FerryImage {

    /** The base image docker/Dockerfile starts FROM. */
    public static final String BASE = "local/ferry-base:bookworm";
    /** The repository root, passed by failsafe (defaults to the parent of the working directory, daemon/). */
    public static final Path REPOSITORY = Path.of(System.getProperty("ferry.repository", "..")).toAbsolutePath()
            .normalize();
    private static final String NAME = "local/ferry-it:latest";

    private static String built;

    private FerryImage() {
    }

    /** The image's name, building it on first use; skips (or in CI fails) the test when Docker cannot be used. */
    public static synchronized String get() {
        if (built == null) {
            DockerClient client = requireDocker();
            try {
                client.inspectImageCmd(BASE).exec();
            } catch (NotFoundException e) {
                Prerequisites.require(false, "base image " + BASE
                        + " is missing: run docker/build-image.sh --base-only");
            }
            removeEarlier(client);
            built = build();
        }
        return built;
    }

    /** A client of the Docker engine, checked to answer and to reach containers on loopback. */
    static DockerClient requireDocker() {
        DockerClientFactory factory = DockerClientFactory.instance();
        DockerClient client = null;
        String reason = "";
        try {
            client = factory.client();
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            client = null;
            reason = e.getMessage();
        }
        Prerequisites.require(client != null, "no Docker engine (DOCKER_HOST=" + System.getenv("DOCKER_HOST") + "): "
                + reason + "; start one with scripts/docker-engine.sh start and export the DOCKER_HOST it prints");
        if (!"127.0.0.1".equals(factory.dockerHostIpAddress())) {
            throw new AssertionError("containers would be reached at " + factory.dockerHostIpAddress()
                    + ", not 127.0.0.1: is TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 set (daemon/pom.xml, failsafe)?");
        }
        return client;
    }

    /** Removes the image an earlier run built (its layers too, unless another image shares them). */
    private static void removeEarlier(DockerClient client) {
        try {
            client.removeImageCmd(NAME).withForce(true).exec();
        } catch (NotFoundException none) {
            // nothing built yet
        }
    }

    private static String build() {
        Path jar = REPOSITORY.resolve("daemon/target/ferry.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: the container tests run in `mvn verify`, after `package`");
        }
        ImageFromDockerfile image = new ImageFromDockerfile(NAME, false).withDockerfilePath("docker/Dockerfile");
        try {
            for (String line : Files.readAllLines(REPOSITORY.resolve("docker/image-files"))) {
                String file = line.strip();
                if (!file.isEmpty() && !file.startsWith("#")) {
                    image.withFileFromPath(file, REPOSITORY.resolve(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return image.get();
    }
}
