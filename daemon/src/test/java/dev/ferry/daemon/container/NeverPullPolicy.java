package dev.ferry.daemon.container;

import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' image pull policy for these tests (named in testcontainers.properties): never pull, since every
 * image is built locally and the engine reaches no registry, so a missing image fails at once instead of retrying.
 */
public final class NeverPullPolicy implements ImagePullPolicy {
    @Override
    public boolean shouldPull(DockerImageName imageName) {
        return false;
    }
}
