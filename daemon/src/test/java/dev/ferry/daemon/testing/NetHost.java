package dev.ferry.daemon.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated host of {@link NetworkNamespaces}: a network namespace with loopback and one interface, {@code eth0},
 * holding {@link #address()} in the fixture's subnet. Runs commands and processes inside it ({@code ip netns exec}).
 */
public final class NetHost {

    /** The interface every host has. */
    public static final String INTERFACE = "eth0";

    private final String name;
    private final String namespace;
    private final String address;
    private final NetworkNamespaces net;

    NetHost(String name, String namespace, String address, NetworkNamespaces net) {
        this.name = name;
        this.namespace = namespace;
        this.address = address;
        this.net = net;
    }

    /** The name the test gave it. */
    public String name() {
        return name;
    }

    /** Its network namespace ({@code ip netns} name). */
    public String namespace() {
        return namespace;
    }

    /** Its IPv4 address. */
    public String address() {
        return address;
    }

    /** {@code nbd://ADDRESS:PORT/EXPORT} of a server listening on this host. */
    public String nbdUri(int port, String export) {
        return "nbd://" + address + ":" + port + "/" + export;
    }

    /** Runs {@code command} inside the namespace to completion within {@code timeout}. */
    public ExternalTool.Result run(Duration timeout, String... command) {
        return ExternalTool.run(timeout, inside(command).toArray(String[]::new));
    }

    /**
     * Starts {@code command} inside the namespace, its output in {@code log}; the fixture kills it when closed if it
     * still runs.
     */
    public NetProcess start(Path log, String... command) {
        List<String> cmd = inside(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return net.owned(new NetProcess(p, log, cmd));
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + cmd, e);
        }
    }

    /** The command that runs the rest of its command line inside this host's namespace. */
    public List<String> execPrefix() {
        Path ip = ExternalTool.find("ip");
        return List.of(ip == null ? "ip" : ip.toString(), "netns", "exec", namespace);
    }

    private List<String> inside(String... command) {
        List<String> cmd = new ArrayList<>(execPrefix());
        Path exe = ExternalTool.find(command[0]);
        cmd.add(exe == null ? command[0] : exe.toString());
        cmd.addAll(List.of(command).subList(1, command.length));
        return cmd;
    }

    @Override
    public String toString() {
        return name + " (" + namespace + ", " + address + ")";
    }
}
