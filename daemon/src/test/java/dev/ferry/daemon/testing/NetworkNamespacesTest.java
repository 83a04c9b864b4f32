package dev.ferry.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NetworkNamespaces} with real things: nbdkit in one namespace, nbdinfo and nbdcopy in another reach it over
 * the veth pair (or the bridge of three hosts); a silent partition makes a client with a deadline fail by it, a
 * loud one (TCP resets) at once, a heal restores it; a one-way partition leaves the other direction open; a link flap cuts one host only; a tbf limit slows
 * a copy to the rate; the guard route turns a root-namespace client away while the fixture lives and is gone after;
 * leftovers of a killed run are removed.
 */
class NetworkNamespacesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT = 10809;
    private static final int DISK = 4 << 20;
    /** The deadline given to clients that must fail under a fault, in seconds. */
    private static final int CLIENT_DEADLINE = 3;

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        NetworkNamespaces.requireUsable();
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
    }

    /** Starts {@code nbdkit memory} of {@link #DISK} bytes on {@code host} and waits until {@code client} reaches it. */
    private String nbdkit(NetHost host, NetHost client) {
        host.start(dir.resolve("nbdkit-" + host.name() + ".log"), "nbdkit", "-f", "--exit-with-parent", "-i",
                host.address(), "-p", Integer.toString(PORT), "memory", Integer.toString(DISK));
        String uri = host.nbdUri(PORT, "");
        Poll.until(TIMEOUT, "nbdkit on " + host, () -> reaches(client, uri));
        return uri;
    }

    private static boolean reaches(NetHost client, String uri) {
        return client.run(TIMEOUT, "timeout", Integer.toString(CLIENT_DEADLINE), "nbdinfo", "--size", uri)
                .exitCode() == 0;
    }

    /** Runs a client that cannot get through: it must still run when its deadline kills it. */
    private static void assertCutOff(NetHost client, String uri) {
        long start = System.nanoTime();
        ExternalTool.Result r = client.run(TIMEOUT, "timeout", Integer.toString(CLIENT_DEADLINE), "nbdinfo", "--size",
                uri);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exitCode()).as("killed by its deadline: " + r.describe()).isEqualTo(124);
        assertThat(seconds).as("ended by its deadline").isBetween((double) CLIENT_DEADLINE, CLIENT_DEADLINE + 5.0);
    }

    private static double copySeconds(NetHost client, String uri) {
        long start = System.nanoTime();
        client.run(TIMEOUT, "nbdcopy", "--no-extents", uri, "null:").assertSuccess();
        return (System.nanoTime() - start) / 1e9;
    }

    @Test
    void twoHostsCopyOverTheVethPairAndSeePartitionsHealsAndASlowLink() throws IOException {
        NetworkNamespaces net = NetworkNamespaces.create("a", "b");
        String subnet = net.subnet();
        NetHost a = net.host("a");
        NetHost b = net.host("b");
        try (net) {
            assertThat(net.guardInstalled()).isTrue();
            String uri = nbdkit(b, a);
            assertThat(a.run(TIMEOUT, "nbdinfo", "--size", uri).assertSuccess().stdout().strip())
                    .isEqualTo(Integer.toString(DISK));
            byte[] blob = new byte[DISK];
            new Random(14).nextBytes(blob);
            Path in = Files.write(dir.resolve("in"), blob);
            Path out = dir.resolve("out");
            a.run(TIMEOUT, "nbdcopy", in.toString(), uri).assertSuccess();
            a.run(TIMEOUT, "nbdcopy", uri, out.toString()).assertSuccess();
            assertThat(Files.readAllBytes(out)).as("round trip through b").isEqualTo(blob);

            ExternalTool.Result stray = ExternalTool.run(TIMEOUT, "timeout", "10", "nbdinfo", "--size", uri);
            assertThat(stray.exitCode()).as("a root-namespace client is turned away at once: " + stray.describe())
                    .isNotIn(0, 124);
            assertThat(stray.stderr()).contains("No route to host");   // EHOSTUNREACH: the guard route

            net.partitionBoth(a, b, NetworkNamespaces.Cut.DROP);
            assertCutOff(a, uri);
            net.heal();
            assertThat(reaches(a, uri)).as("after the heal").isTrue();

            net.partitionBoth(a, b, NetworkNamespaces.Cut.RESET);
            ExternalTool.Result refused = a.run(TIMEOUT, "timeout", Integer.toString(CLIENT_DEADLINE), "nbdinfo",
                    "--size", uri);
            assertThat(refused.exitCode()).as("refused before its deadline: " + refused.describe()).isNotIn(0, 124);
            assertThat(refused.stderr()).contains("Connection refused");
            net.heal();

            net.partition(a, b);
            assertCutOff(a, uri);
            NetProcess listener = a.start(dir.resolve("udp.log"), "python3", "-c", "import socket,sys\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "s.bind((sys.argv[1], 9999))\n"
                    + "print(s.recv(64).decode(), flush=True)\n", a.address());
            NetProcess sender = b.start(dir.resolve("udp-send.log"), "python3", "-c", "import socket,sys,time\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for i in range(300):\n"
                    + "    s.sendto(b'from-b', (sys.argv[1], 9999)); time.sleep(0.1)\n", a.address());
            Poll.until(TIMEOUT, "a datagram from b to a through the one-way partition a->b",
                    () -> listener.log().contains("from-b"));
            sender.close();
            net.heal();

            double fast = copySeconds(a, uri);
            long bits = 16_000_000;
            net.slowLink(b, bits);
            double slow = copySeconds(a, uri);
            double floor = (DISK - NetworkNamespaces.burstBytes(bits)) / (bits / 8.0);
            assertThat(slow).as("a %d-byte copy under %d bit/s (unlimited: %.3f s)", DISK, bits, fast)
                    .isGreaterThanOrEqualTo(0.9 * floor).isGreaterThan(4 * fast);
            net.slowLink(b, 0);
            assertThat(copySeconds(a, uri)).as("unlimited again").isLessThan(slow / 2);
        }
        assertThat(ExternalTool.run(TIMEOUT, "ip", "netns", "list").stdout()).doesNotContain(a.namespace(),
                b.namespace());
        assertThat(ExternalTool.run(TIMEOUT, "ip", "route", "show", "type", "unreachable").stdout())
                .doesNotContain(subnet.replace("/24", ""));
    }

    @Test
    void threeHostsShareABridgeAndALinkFlapCutsOnlyTheFlappedHost() {
        try (NetworkNamespaces net = NetworkNamespaces.create("a", "b", "c")) {
            NetHost a = net.host("a");
            NetHost c = net.host("c");
            String uri = nbdkit(net.host("b"), a);
            assertThat(reaches(c, uri)).as("c reaches b over the bridge").isTrue();
            net.linkDown(c);
            assertThat(c.run(TIMEOUT, "timeout", Integer.toString(CLIENT_DEADLINE), "nbdinfo", "--size", uri)
                    .exitCode()).as("c with its link down").isNotZero();
            assertThat(reaches(a, uri)).as("a while c is down").isTrue();
            net.linkUp(c);
            Poll.until(TIMEOUT, "c back after the flap", () -> reaches(c, uri));
        }
    }

    @Test
    void leftoversOfAKilledRunAreRemovedByTheNextFixture() {
        long dead = IntStream.iterate(30000, p -> p - 1).filter(p -> ProcessHandle.of(p).isEmpty()).findFirst()
                .orElseThrow();
        int octet = 254;
        String leftover = "fnet" + dead + "n" + octet + "-a";
        ExternalTool.run(TIMEOUT, "ip", "netns", "add", leftover).assertSuccess();
        ExternalTool.run(TIMEOUT, "ip", "route", "replace", "unreachable", NetworkNamespaces.NET + "." + octet
                + ".0/24").assertSuccess();
        try (NetworkNamespaces net = NetworkNamespaces.create("a", "b")) {
            assertThat(ExternalTool.run(TIMEOUT, "ip", "netns", "list").stdout()).doesNotContain(leftover)
                    .contains(net.host("a").namespace());
            assertThat(ExternalTool.run(TIMEOUT, "ip", "route", "show", "type", "unreachable").stdout())
                    .doesNotContain(NetworkNamespaces.NET + "." + octet + ".0/24");
        }
    }
}
