package dev.ferry.daemon.remote;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.nbd.client.NbdTransport;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's remote PVs: opens their metadata devices (as the {@link DeviceOpener}, local files included) and
 * their data devices (as the {@link RemoteOpener}), and reports their health ({@link RemoteHealth.Source}).
 *
 * <p>Each remote PV has at most one usable connection, shared by its metadata device and its data device and
 * closed when the last of them closes. A connection that failed is not reused: the next open connects afresh (a
 * metadata re-read after a failure, a daemon restart), and the PV's label is read again through it by the catalog.
 * The health of a PV is its current connection's, or the failure of the last attempt to connect.
 */
public final class RemotePvs implements DeviceOpener, RemoteOpener, RemoteHealth.Source, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemotePvs.class);

    private final IoEventLoopGroup group;
    private final DeviceOpener localFiles;
    private final Map<String, Shared> current = new HashMap<>();
    private final Map<String, RemoteHealth> failedToConnect = new ConcurrentHashMap<>();
    private final Set<String> seen = new LinkedHashSet<>();
    private final List<Consumer<String>> watchers = new CopyOnWriteArrayList<>();

    /** One connection and how many devices use it. */
    private static final class Shared {
        final RemoteExport export;
        int users;

        Shared(RemoteExport export) {
            this.export = export;
        }
    }

    /**
     * Remote PVs connecting as their URIs' {@link dev.ferry.daemon.model.LinkSettings} say, on one shared event loop
     * thread.
     */
    public RemotePvs() {
        this(DeviceOpener.files());
    }

    /** As above, local PV files opened by {@code localFiles} (which may refuse a path). */
    public RemotePvs(DeviceOpener localFiles) {
        this.localFiles = localFiles;
        this.group = new MultiThreadIoEventLoopGroup(1, NbdTransport.AUTO.resolve().ioHandlerFactory());
    }

    @Override
    public MetadataDevice open(Path path) throws IOException {
        return localFiles.open(path);
    }

    @Override
    public MetadataDevice openRemote(String uri) throws IOException {
        return new RemoteMetadataDevice(openData(uri));
    }

    @Override
    public NbdBlockDevice openData(String uri) throws IOException {
        boolean first;
        synchronized (this) {
            first = seen.add(uri);
        }
        if (first) {
            watchers.forEach(w -> w.accept(uri));   // outside the lock: watchers register meters
        }
        return share(uri);
    }

    private synchronized NbdBlockDevice share(String uri) throws IOException {
        Shared shared = current.get(uri);
        if (shared == null || !shared.export.usable()) {
            shared = connect(uri);
            current.put(uri, shared);
        }
        shared.users++;
        Shared used = shared;
        AtomicBoolean released = new AtomicBoolean();
        return new NbdBlockDevice(used.export, () -> {
            if (released.compareAndSet(false, true)) {
                release(uri, used);
            }
        });
    }

    private Shared connect(String uri) throws IOException {
        try {
            RemoteExport export = RemoteExport.open(PvUri.parse(uri), group);
            failedToConnect.remove(uri);
            LOG.info("Connected to remote PV {}", export.describe());
            return new Shared(export);
        } catch (IOException | IllegalArgumentException e) {
            failedToConnect.put(uri, new RemoteHealth(RemoteHealth.State.FAILED, e.getMessage()));
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private synchronized void release(String uri, Shared shared) {
        if (--shared.users == 0) {
            if (current.get(uri) == shared) {
                current.remove(uri);
            }
            shared.export.close();
        }
    }

    @Override
    public Optional<RemoteHealth> health(String uri) {
        synchronized (this) {
            Shared shared = current.get(uri);
            if (shared != null) {
                return Optional.of(shared.export.health());
            }
        }
        return Optional.ofNullable(failedToConnect.get(uri));
    }

    @Override
    public void watch(Consumer<String> watcher) {
        List<String> known;
        synchronized (this) {
            watchers.add(watcher);
            known = List.copyOf(seen);
        }
        known.forEach(watcher);   // a PV seen meanwhile may be told twice: watchers take that
    }

    /** Closes every connection still open and stops the event loop; for shutdown, after every device closed. */
    @Override
    public void close() {
        List<Shared> open;
        synchronized (this) {
            open = new ArrayList<>(current.values());
            current.clear();
        }
        open.forEach(s -> s.export.close());
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
