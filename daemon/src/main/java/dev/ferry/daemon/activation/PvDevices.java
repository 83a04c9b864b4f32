package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.remote.RemoteOpener;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.time.Scheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PV files under active tables: each path is opened once as a {@link FileBlockDevice} on the shared I/O
 * executor (a remote PV's URI as its export, through the {@link RemoteOpener}) and shared by every table naming it. Users {@link #acquire} the paths a table needs before parsing
 * it and {@link #release} them once the table is gone; the file closes when its last user releases it. Tables
 * see each file through the {@link PvWrapper} and a {@link WatchedPvDevice} that tells whether it fails
 * persistently. As a {@link DeviceResolver} it also serves tables loaded by hand ({@code dmsetup create}): a path
 * nobody acquired is opened on first use and stays open until {@link #closeAll}.
 */
final class PvDevices implements DeviceResolver {
    private static final Logger LOG = LoggerFactory.getLogger(PvDevices.class);
    private final Executor executor;
    private final Map<String, Entry> open = new HashMap<>();

    private final PvWrapper wrapper;

    private final Scheduler clock;

    /** Resolves and checks a path named in a table loaded by hand; every absolute path passes until restricted. */
    private volatile Function<String, Path> handLoaded = Path::of;

    private final RemoteOpener remote;

    private final class Entry {
        final BlockDevice device;
        final WatchedPvDevice exposed;
        int users;
        boolean pinned;

        Entry(String path, BlockDevice device) {
            this.device = device;
            this.exposed = new WatchedPvDevice(path, device, wrapper.wrap(path, device), clock);
        }

        /** Closes the device after its in-flight I/O (a remote PV's device gives up its use of the connection). */
        CompletableFuture<Void> close() {
            if (device instanceof FileBlockDevice file) {
                return file.closeAsync();
            }
            device.close();
            return CompletableFuture.completedFuture(null);
        }
    }

    PvDevices(Executor executor, PvWrapper wrapper, Scheduler clock, RemoteOpener remote) {
        this.executor = executor;
        this.wrapper = wrapper;
        this.clock = clock;
        this.remote = remote;
    }

    /** Opens the PV named {@code name}: a remote PV's export by its URI, else a file. */
    private BlockDevice open(String name) throws IOException {
        if (PvUri.isUri(name)) {
            return remote.openData(name);
        }
        return FileBlockDevice.open(Paths.get(name), FileBlockDevice.Access.READ_WRITE, executor);
    }

    /** Opens (or shares) every path, counting one user each; on failure nothing stays acquired. */
    synchronized void acquire(Collection<String> paths) throws IOException {
        List<String> done = new ArrayList<>();
        try {
            for (String p : paths) {
                Entry e = open.get(p);
                if (e == null) {
                    e = new Entry(p, open(p));
                    open.put(p, e);
                }
                e.users++;
                done.add(p);
            }
        } catch (IOException | RuntimeException e) {
            release(done);
            throw e;
        }
    }

    /** Drops one user of each path; closes files without users (after their in-flight I/O). */
    synchronized CompletableFuture<Void> release(Collection<String> paths) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (String p : paths) {
            Entry e = open.get(p);
            if (e == null) {
                throw new IllegalStateException("PV " + p + " released but not acquired");
            }
            if (--e.users == 0 && !e.pinned) {
                open.remove(p);
                LOG.debug("closing PV data device {}", p);
                closing.add(e.close());
            }
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    /**
     * Why the PV at {@code path} fails persistently (the rule of {@link WatchedPvDevice}), or empty, also when it is
     * not open. May block up to {@link WatchedPvDevice#PROBE_TIMEOUT} while probing, without holding the lock.
     */
    Optional<String> persistentFailure(String path) {
        WatchedPvDevice device;
        synchronized (this) {
            Entry e = open.get(path);
            if (e == null) {
                return Optional.empty();
            }
            device = e.exposed;
        }
        return device.persistentFailure();
    }

    /** Paths currently open. */
    synchronized List<String> openPaths() {
        return List.copyOf(open.keySet());
    }

    /**
     * From now on, a path in a table loaded by hand goes through {@code check}, which returns the path to open (with
     * its links resolved) or throws an {@link IllegalArgumentException} saying why it may not be used.
     */
    void restrictHandLoaded(Function<String, Path> check) {
        handLoaded = check;
    }

    @Override
    public synchronized BlockDevice resolve(String name) {
        Entry e = open.get(name);
        if (e == null) {
            String path = handLoaded.apply(name).toString();
            e = open.get(path);
            if (e == null) {
                try {
                    e = new Entry(path, open(path));
                } catch (IOException | RuntimeException ex) {
                    throw new IllegalArgumentException("cannot open " + path + ": " + ex.getMessage(), ex);
                }
                e.pinned = true;
                open.put(path, e);
                LOG.info("opened {} for a table loaded by hand; it stays open until the daemon stops", path);
            }
        }
        return e.exposed;
    }

    /** Closes every file (after its in-flight I/O); for shutdown, once no table uses them. */
    synchronized CompletableFuture<Void> closeAll() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        open.values().forEach(e -> closing.add(e.close()));
        open.clear();
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }
}
