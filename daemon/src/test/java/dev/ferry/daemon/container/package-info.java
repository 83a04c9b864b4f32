/**
 * Tests of Ferry's Docker image: the image built from the current jar with docker/Dockerfile, started with
 * Testcontainers on a loopback-only engine, driven over its TCP control API and NBD from the test JVM.
 */
package dev.ferry.daemon.container;
