package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several hosts on one machine for tests: one network namespace per {@link NetHost}, joined by a veth pair (two
 * hosts) or by a bridge in a switch namespace (three or more), addressed in a private /24 of {@value #NET}.0.0/16
 * ({@code .1}, {@code .2}, ... in the order named). While it lives, an {@code unreachable} route for that /24 in the
 * root namespace (the guard) makes a stray client outside the namespaces fail at once instead of following the
 * default route off the machine; the guard also claims the /24, so concurrent fixtures take different ones. Faults:
 * {@link #partition} (nftables drop rules, one direction or both, silent or with TCP resets) and {@link #heal}, {@link #linkDown}/{@link
 * #linkUp} (a flap), and {@link #slowLink} (a {@code tbf} qdisc on a host's egress). {@link #close} kills the
 * processes started in the hosts and deletes the namespaces and the guard, also after a failure; leftovers of a run
 * that was killed (namespaces named after a process that is gone) are deleted when the next fixture is created.
 * Needs root and iproute2 and nftables ({@link #requireUsable}).
 */
public final class NetworkNamespaces implements AutoCloseable {

    /** The first two octets of every subnet the fixtures use. */
    public static final String NET = "10.231";
    /** Namespace names: {@code fnet<pid>n<third octet>-<host>}. */
    private static final Pattern NAME = Pattern.compile("^fnet(\\d+)n(\\d+)-(\\S+)");
    private static final String SWITCH = "sw";
    private static final String FAULT_TABLE = "ferry_fault";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);

    private final int octet;
    private final Map<String, NetHost> hosts = new LinkedHashMap<>();
    private final List<String> namespaces = new ArrayList<>();
    private final List<NetProcess> processes = new ArrayList<>();
    /** Blocked directions, {from, to} host names, and how. */
    private final Map<List<String>, Cut> blocked = new LinkedHashMap<>();
    private boolean closed;

    private NetworkNamespaces(int octet) {
        this.octet = octet;
    }

    /** Skips the calling test (fails it when every test must run) unless this machine can create namespaces. */
    public static void requireUsable() {
        Prerequisites.require("root".equals(System.getProperty("user.name")),
                "network namespaces need root (CAP_NET_ADMIN)");
        ExternalTool.assumeInstalled("iproute2", "ip", "tc");
        ExternalTool.assumeInstalled("nftables", "nft");
    }

    /**
     * Creates hosts named {@code names} (at least two), each addressed {@code NET.N.i}, in a free /24 guarded in the
     * root namespace. Deletes leftovers of killed runs first.
     */
    public static NetworkNamespaces create(String... names) {
        if (names.length < 2 || Set.of(names).size() != names.length) {
            throw new IllegalArgumentException("need two or more distinct host names, got " + List.of(names));
        }
        requireUsable();
        removeLeftovers();
        NetworkNamespaces net = new NetworkNamespaces(claimSubnet());
        try {
            net.build(names);
            return net;
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    /** The subnet, {@code NET.N.0/24}. */
    public String subnet() {
        return NET + "." + octet + ".0/24";
    }

    /** The host named {@code name}. */
    public NetHost host(String name) {
        NetHost h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host " + name + " in " + hosts.keySet());
        }
        return h;
    }

    /** Whether the guard route for {@link #subnet()} is in the root namespace's main table. */
    public boolean guardInstalled() {
        return guardInstalled(octet);
    }

    /** How a partition cuts a direction. */
    public enum Cut {
        /** Packets vanish: senders see nothing until their own timeouts (a silent partition). */
        DROP,
        /** As DROP, but the sender's TCP packets are refused with a reset at once (a loud partition). */
        RESET
    }

    /** Drops every packet {@code from} sends to {@code to} (on both hosts: {@code from}'s output, {@code to}'s input). */
    public void partition(NetHost from, NetHost to) {
        partition(from, to, Cut.DROP);
    }

    /** Cuts every packet {@code from} sends to {@code to} as {@code cut} says. */
    public synchronized void partition(NetHost from, NetHost to, Cut cut) {
        blocked.put(List.of(from.name(), to.name()), cut);
        writeRules(from);
        writeRules(to);
    }

    /** Cuts everything between {@code a} and {@code b}, both ways, as {@code cut} says. */
    public synchronized void partitionBoth(NetHost a, NetHost b, Cut cut) {
        partition(a, b, cut);
        partition(b, a, cut);
    }

    /** Removes every drop rule. */
    public synchronized void heal() {
        blocked.clear();
        hosts.values().forEach(this::writeRules);
    }

    /** Takes {@code host}'s interface down (its link, and so its carrier, is gone). */
    public void linkDown(NetHost host) {
        ip("-n", host.namespace(), "link", "set", NetHost.INTERFACE, "down");
    }

    /** Brings {@code host}'s interface back up. */
    public void linkUp(NetHost host) {
        ip("-n", host.namespace(), "link", "set", NetHost.INTERFACE, "up");
    }

    /**
     * Limits what {@code host} sends to {@code bitsPerSecond} with a token bucket ({@code tbf}, burst 1/50 s of the
     * rate and at least 16 KiB); {@code 0} removes the limit. Only the host's egress: shape the sender.
     */
    public void slowLink(NetHost host, long bitsPerSecond) {
        if (bitsPerSecond == 0) {
            tool("ip", "netns", "exec", host.namespace(), "tc", "qdisc", "del", "dev", NetHost.INTERFACE, "root");
            return;
        }
        tool("ip", "netns", "exec", host.namespace(), "tc", "qdisc", "replace", "dev", NetHost.INTERFACE, "root",
                "tbf", "rate", Long.toString(bitsPerSecond), "burst", Long.toString(burstBytes(bitsPerSecond)),
                "latency", "1s");
    }

    /** The token bucket size {@link #slowLink} gives {@code bitsPerSecond}, in bytes. */
    public static long burstBytes(long bitsPerSecond) {
        return Math.max(16 * 1024, bitsPerSecond / 8 / 50);
    }

    /** Kills the processes started in the hosts, deletes the namespaces, then the guard route. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        processes.forEach(NetProcess::close);
        List<String> failures = new ArrayList<>();
        for (String ns : namespaces) {
            String err = deleteNamespace(ns);
            if (err != null) {
                failures.add(err);
            }
        }
        ExternalTool.Result r = ExternalTool.run(TOOL_TIMEOUT, "ip", "route", "del", "unreachable", subnet());
        if (r.exitCode() != 0) {
            failures.add(r.describe());
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("cleaning up " + subnet() + " failed:\n" + String.join("\n", failures));
        }
    }

    synchronized NetProcess owned(NetProcess p) {
        processes.add(p);
        return p;
    }

    private void build(String... names) {
        for (int i = 0; i < names.length; i++) {
            String ns = namespaceName(octet, names[i]);
            addNamespace(ns);
            hosts.put(names[i], new NetHost(names[i], ns, NET + "." + octet + "." + (i + 1), this));
        }
        List<NetHost> all = List.copyOf(hosts.values());
        if (all.size() == 2) {
            ip("link", "add", NetHost.INTERFACE, "netns", all.get(0).namespace(), "type", "veth", "peer", "name",
                    NetHost.INTERFACE, "netns", all.get(1).namespace());
        } else {
            String sw = namespaceName(octet, SWITCH);
            addNamespace(sw);
            ip("-n", sw, "link", "add", "br0", "type", "bridge");
            ip("-n", sw, "link", "set", "br0", "up");
            for (int i = 0; i < all.size(); i++) {
                String port = "p" + i;
                ip("link", "add", NetHost.INTERFACE, "netns", all.get(i).namespace(), "type", "veth", "peer", "name",
                        port, "netns", sw);
                ip("-n", sw, "link", "set", port, "master", "br0");
                ip("-n", sw, "link", "set", port, "up");
            }
        }
        for (NetHost h : all) {
            ip("-n", h.namespace(), "addr", "add", h.address() + "/24", "dev", NetHost.INTERFACE);
            ip("-n", h.namespace(), "link", "set", "lo", "up");
            ip("-n", h.namespace(), "link", "set", NetHost.INTERFACE, "up");
        }
    }

    private void addNamespace(String ns) {
        ip("netns", "add", ns);
        namespaces.add(ns);
    }

    /** Replaces {@code host}'s fault table with drop rules for the blocked directions that concern it. */
    private void writeRules(NetHost host) {
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        for (Map.Entry<List<String>, Cut> e : blocked.entrySet()) {
            List<String> b = e.getKey();
            if (b.get(0).equals(host.name())) {
                String to = host(b.get(1)).address();
                if (e.getValue() == Cut.RESET) {
                    out.append("    ip daddr ").append(to).append(" meta l4proto tcp reject with tcp reset\n");
                }
                out.append("    ip daddr ").append(to).append(" drop\n");
            }
            if (b.get(1).equals(host.name())) {
                in.append("    ip saddr ").append(host(b.get(0)).address()).append(" drop\n");
            }
        }
        // declaring the table first makes the delete succeed whether or not it existed; what arrives over loopback
        // passes (a reset that a RESET cut makes for a local sender comes in that way, from the peer's address)
        String rules = "table inet " + FAULT_TABLE + "\ndelete table inet " + FAULT_TABLE + "\n"
                + (in.isEmpty() && out.isEmpty() ? "" : "table inet " + FAULT_TABLE + " {\n"
                + "  chain in {\n    type filter hook input priority 0; policy accept;\n"
                + "    iifname \"lo\" accept\n" + in + "  }\n"
                + "  chain out {\n    type filter hook output priority 0; policy accept;\n" + out + "  }\n}\n");
        try {
            Path file = Files.createTempFile("ferry-nft", ".nft");
            try {
                Files.writeString(file, rules);
                tool("ip", "netns", "exec", host.namespace(), "nft", "-f", file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String namespaceName(int octet, String host) {
        return "fnet" + ProcessHandle.current().pid() + "n" + octet + "-" + host;
    }

    /** Claims the first free /24 by adding its guard route (which fails if another fixture holds it). */
    private static int claimSubnet() {
        for (int n = 0; n < 256; n++) {
            String subnet = NET + "." + n + ".0/24";
            String routes = tool("ip", "-4", "route", "show", "match", NET + "." + n + ".1").stdout();
            if (routes.lines().anyMatch(l -> !l.startsWith("default"))) {
                continue;   // routed already: another fixture's guard, or a real network
            }
            if (ExternalTool.run(TOOL_TIMEOUT, "ip", "route", "add", "unreachable", subnet).exitCode() == 0) {
                return n;
            }
        }
        throw new AssertionError("no free /24 left in " + NET + ".0.0/16 for a test network");
    }

    private static boolean guardInstalled(int octet) {
        return !tool("ip", "route", "show", "type", "unreachable", NET + "." + octet + ".0/24").stdout().isBlank();
    }

    /**
     * Deletes namespaces named after a process that no longer runs (a killed test JVM), with the processes left in
     * them, and their guard routes.
     */
    private static void removeLeftovers() {
        Set<Integer> octets = new LinkedHashSet<>();
        for (String line : tool("ip", "netns", "list").stdout().lines().toList()) {
            Matcher m = NAME.matcher(line);
            if (!m.find() || ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            String ns = line.split("\\s")[0];
            String err = deleteNamespace(ns);
            if (err != null) {
                throw new AssertionError("removing the leftover namespace " + ns + " failed: " + err);
            }
            octets.add(Integer.parseInt(m.group(2)));
        }
        for (int n : octets) {
            if (guardInstalled(n)) {
                tool("ip", "route", "del", "unreachable", NET + "." + n + ".0/24");
            }
        }
    }

    /** Kills what still runs in {@code ns} and deletes it; an error description, or null. */
    private static String deleteNamespace(String ns) {
        for (String pid : tool("ip", "netns", "pids", ns).stdout().split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        ExternalTool.Result r = ExternalTool.run(TOOL_TIMEOUT, "ip", "netns", "del", ns);
        return r.exitCode() == 0 ? null : r.describe();
    }

    private static void ip(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        tool(cmd);
    }

    private static ExternalTool.Result tool(String... command) {
        return ExternalTool.run(TOOL_TIMEOUT, command).assertSuccess();
    }
}
