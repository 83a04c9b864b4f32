package dev.ferry.daemon.pvmove.process;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.NetHost;
import dev.ferry.daemon.testing.NetProcess;
import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two hosts on one machine ({@link NetworkNamespaces}), the fixture of every cross-host move test: a daemon on
 * {@code a} with VG {@code vg} over a local PV and a remote PV served from {@code b} by {@code nbdkit file} under its
 * error filter (off until {@link Fault#ERRORS}), the remote PV's URI carrying the link settings the test asks for.
 * The faults a move to that remote PV meets: the server killed with SIGKILL, the link between the hosts cut with TCP
 * resets, the server answering every write with EIO, each undone by {@link #repair}; and, through {@link #net()}, a
 * silent partition, a flap or a slow link, and through {@link #serve} a server slow to write (nbdkit's
 * delay filter; a server slow to read from its start, see {@link #open(Path, ChildProcesses, long, String, Duration)}).
 */
final class RemoteDestination implements AutoCloseable {

    /** A fault of the remote destination today's NBD client notices at once. */
    enum Fault {
        /** {@code kill -9} of nbdkit; repaired by starting it again on the same file. */
        KILL9,
        /** Every packet between the hosts refused with a TCP reset; repaired by healing the link. */
        LINK_RESET,
        /**
         * nbdkit's error filter answers writes, zeroings and trims with EIO (every one, or the share the server was
         * last started with, see {@link #serve(Duration, int, double)}); repaired by turning it off.
         */
        ERRORS
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PORT = 10809;
    /** Where extents start on a PV (the default {@code pe_start}). */
    static final long PE_START = 1 << 20;

    private final Path dir;
    private final NetworkNamespaces net;
    private final NetHost a;
    private final NetHost b;
    private final Path disk;
    private final Path errorTrigger;
    private final String plain;
    private final String remote;
    private final String local;
    private final FerryDaemon daemon;
    private NetProcess nbdkit;
    private final Duration readDelay;
    private int serverThreads;
    private Duration writeDelay = Duration.ZERO;
    private double errorRate = 1;

    private RemoteDestination(Path dir, ChildProcesses<FerryDaemon> daemons, long diskBytes, String link,
            Duration readDelay, int serverThreads) throws IOException {
        this.dir = dir;
        this.readDelay = readDelay;
        this.serverThreads = serverThreads;
        net = NetworkNamespaces.create("a", "b");
        a = net.host("a");
        b = net.host("b");
        disk = dir.resolve("b-disk.img");
        errorTrigger = dir.resolve("b-errors");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(diskBytes);
        }
        plain = b.nbdUri(PORT, "pv");
        remote = link.isEmpty() ? plain : plain + "?" + link;
        startServer();
        Path work = Files.createDirectories(dir.resolve("a"));
        daemon = daemons.own(FerryDaemon.startIn(a, work, List.of()));
        local = work.resolve("pv1").toString();
        daemon.cliOk("pvcreate", "--size", diskBytes / (1 << 20) + "m", local);
        daemon.cliOk("pvcreate", remote);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, remote);   // local first: it holds 2 of 3 metadata copies
    }

    /**
     * Skips the calling test (fails it when every test must run) unless namespaces, nbdkit with its error filter and
     * nbdinfo are there; then sets up the hosts, the server (a {@code diskBytes} file) and the daemon with its VG.
     */
    static RemoteDestination open(Path dir, ChildProcesses<FerryDaemon> daemons, long diskBytes) throws IOException {
        return open(dir, daemons, diskBytes, "");
    }

    /**
     * As {@link #open(Path, ChildProcesses, long)}, the remote PV named by a URI with the query {@code link} (link
     * settings such as {@code request-timeout=2s&reconnect-window=5s}; empty for the defaults).
     */
    static RemoteDestination open(Path dir, ChildProcesses<FerryDaemon> daemons, long diskBytes, String link)
            throws IOException {
        return open(dir, daemons, diskBytes, link, Duration.ZERO);
    }

    /**
     * As {@link #open(Path, ChildProcesses, long, String)}, the server answering every read {@code readDelay} late
     * (nbdkit's delay filter; {@link Duration#ZERO}: at once) from its start.
     */
    static RemoteDestination open(Path dir, ChildProcesses<FerryDaemon> daemons, long diskBytes, String link,
            Duration readDelay) throws IOException {
        requireTools();
        return new RemoteDestination(dir, daemons, diskBytes, link, readDelay, 0);
    }

    /**
     * As {@link #open(Path, ChildProcesses, long, String)}, nbdkit serving each connection with one thread
     * ({@code --threads=1}): a flap makes the daemon close a connection nbdkit still answers requests on, and nbdkit
     * 1.32's worker threads then race on the closed socket (seen: {@code raw_send_socket: Assertion `sock >= 0'
     * failed}, nbdkit gone, every reconnect refused), which one thread per connection cannot.
     */
    static RemoteDestination openSerial(Path dir, ChildProcesses<FerryDaemon> daemons, long diskBytes, String link)
            throws IOException {
        requireTools();
        return new RemoteDestination(dir, daemons, diskBytes, link, Duration.ZERO, 1);
    }

    private static void requireTools() {
        NetworkNamespaces.requireUsable();
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
    }

    private void startServer() {
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent", "-i", b.address(), "-p",
                Integer.toString(PORT), "--filter=error"));
        if (serverThreads > 0) {
            cmd.add("--threads=" + serverThreads);
        }
        if (!writeDelay.isZero() || !readDelay.isZero()) {
            cmd.add("--filter=delay");
        }
        cmd.addAll(List.of("file", disk.toString(), "error=EIO"));
        for (String op : List.of("pwrite", "zero", "trim")) {
            cmd.addAll(List.of("error-" + op + "-rate=" + errorRate, "error-" + op + "-file=" + errorTrigger));
        }
        if (!writeDelay.isZero()) {
            cmd.add("wdelay=" + writeDelay.toMillis() + "ms");   // writes, zeroing and trims
        }
        if (!readDelay.isZero()) {
            cmd.add("rdelay=" + readDelay.toMillis() + "ms");
        }
        nbdkit = b.start(dir.resolve("nbdkit-" + System.nanoTime() + ".log"), cmd.toArray(String[]::new));
        Poll.until(TIMEOUT, "nbdkit on " + b, () -> a.run(TIMEOUT, "nbdinfo", "--size", plain).exitCode() == 0);
    }

    /**
     * Kills the server with SIGKILL and starts it again at once on the same file, every write, zeroing and trim then
     * answered {@code delay} late by nbdkit's delay filter ({@link Duration#ZERO}: without it), each connection served
     * by {@code threads} threads (0: nbdkit's default; 1: see {@link #openSerial}); the daemon's link reconnects.
     */
    void serve(Duration delay, int threads) {
        serve(delay, threads, 1);
    }

    /**
     * As {@link #serve(Duration, int)}, the error filter, once {@link Fault#ERRORS} arms it, failing a share
     * {@code errorRate} (0 to 1) of the writes, zeroings and trims at random.
     */
    void serve(Duration delay, int threads, double errorRate) {
        writeDelay = delay;
        serverThreads = threads;
        this.errorRate = errorRate;
        nbdkit.kill9();
        startServer();
    }

    /** The hosts. */
    NetworkNamespaces net() {
        return net;
    }

    /** The daemon's host. */
    NetHost a() {
        return a;
    }

    /** The server's host. */
    NetHost b() {
        return b;
    }

    FerryDaemon daemon() {
        return daemon;
    }

    /** The local PV (a file on host a). */
    String local() {
        return local;
    }

    /** The remote PV's URI, with its link settings. */
    String remote() {
        return remote;
    }

    /** Injects {@code fault}. */
    void inject(Fault fault) {
        switch (fault) {
            case KILL9 -> nbdkit.kill9();
            case LINK_RESET -> net.partitionBoth(a, b, NetworkNamespaces.Cut.RESET);
            case ERRORS -> trigger(true);
        }
    }

    /** Undoes {@code fault}: the remote PV can be reached and written again. */
    void repair(Fault fault) {
        switch (fault) {
            case KILL9 -> startServer();
            case LINK_RESET -> net.heal();
            case ERRORS -> trigger(false);
        }
    }

    private void trigger(boolean on) {
        try {
            if (on) {
                Files.writeString(errorTrigger, "");
            } else {
                Files.deleteIfExists(errorTrigger);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Puts the remote PV back with {@code vgextend --restoremissing} if it is recorded missing (a write of a hold's
     * metadata to it failed, or its link failed). A restore is refused while a table still names the PV; the held
     * move's devices let go of it once its loss is recorded, so the restore is retried until it succeeds.
     */
    void restoreIfMissing() {
        if (daemon.cliOk("pvs", "--noheadings", "-o", "pv_attr", remote).out().strip().endsWith("m")) {
            Poll.until(TIMEOUT, "the remote PV put back",
                    () -> daemon.cli("vgextend", "--restoremissing", "vg", remote).exit() == 0);
        }
    }

    /**
     * The bytes of the local PV's extents {@code firstPe..firstPe+length} (1 MiB extents), read from its file: what
     * a move from it left there.
     */
    byte[] localExtents(long firstPe, int length) throws IOException {
        byte[] out = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(local, "r")) {
            f.seek(PE_START + firstPe * (1 << 20));
            f.readFully(out);
        }
        return out;
    }

    /** Stops the daemon (before its namespace goes), then removes the hosts and what runs in them. */
    @Override
    public void close() {
        try {
            daemon.close();
        } finally {
            trigger(false);
            net.close();
        }
    }
}
