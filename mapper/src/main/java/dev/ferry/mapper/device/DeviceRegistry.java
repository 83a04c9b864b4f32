package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The named mapped devices of one process (like {@code /dev/mapper}), and the {@link DeviceResolver}
 * tables use: a name without {@code /} resolves to the mapped device of that name (also written
 * {@code /dev/mapper/<name>}); anything else goes to the pluggable resolver for files and block devices.
 *
 * <p>Parsing a table may block: a {@code mirror} with a {@code disk} log reads it while being created.
 * Call {@code create}, {@code load} and {@code parse} off event loops and I/O completion threads.
 */
public final class DeviceRegistry implements DeviceResolver {

    /** Prefix under which mapped devices may also be named. */
    public static final String MAPPER_DIR = "/dev/mapper/";

    /** Longest device name, as dm allows. */
    public static final int MAX_NAME = 127;

    private final TargetTypes types;
    private final Scheduler scheduler;
    private final DeviceResolver files;
    private final Duration suspendTimeout;
    private final Map<String, MappedDevice> devices = new TreeMap<>();
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * Creates an empty registry.
     *
     * @param types          target types for parsing tables
     * @param scheduler      time for targets and suspend timeouts
     * @param files          resolves names that are not mapped devices (file and device paths)
     * @param suspendTimeout bounds implicit suspends (resume with a loaded table on an ACTIVE device)
     */
    public DeviceRegistry(TargetTypes types, Scheduler scheduler, DeviceResolver files, Duration suspendTimeout) {
        this.types = types;
        this.scheduler = scheduler;
        this.files = files;
        this.suspendTimeout = suspendTimeout;
    }

    /**
     * Creates an ACTIVE device without a table.
     *
     * @throws IllegalArgumentException if the name is malformed or taken
     */
    public synchronized MappedDevice create(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.contains("/") || name.equals(".") || name.equals("..")
                || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("invalid device name '" + name + "': 1.." + MAX_NAME
                    + " printable characters without '/' or blanks");
        }
        if (devices.containsKey(name)) {
            throw new IllegalArgumentException("device '" + name + "' already exists");
        }
        MappedDevice d = new MappedDevice(name, scheduler, suspendTimeout);
        devices.put(name, d);
        listeners.forEach(l -> l.created(d));
        return d;
    }

    /**
     * Adds {@code listener}, first telling it of every device that exists now; it then hears of each device created
     * and removed (under the registry's lock, so it must be quick and must not call back into the registry).
     */
    public synchronized void addListener(RegistryListener listener) {
        devices.values().forEach(listener::created);
        listeners.add(listener);
    }

    /**
     * Creates a device with {@code tableText} live ({@code dmsetup create name --table ...}); nothing is
     * created if the table is invalid.
     */
    public MappedDevice create(String name, String tableText) {
        return create(name, tableText, event -> { });
    }

    /**
     * Like {@link #create(String, String)}, with {@code listener} added before the table goes live, so
     * it also sees events raised on the first resume (a mirror whose recovery ends at once, say).
     */
    public MappedDevice create(String name, String tableText, DeviceListener listener) {
        Table table = parse(tableText);
        MappedDevice d;
        try {
            d = create(name);
        } catch (IllegalArgumentException e) {
            table.close();
            throw e;
        }
        d.addListener(listener);
        try {
            d.load(table);
        } catch (RuntimeException e) {
            table.close();
            remove(name, true);
            throw e;
        }
        d.resume().join();
        return d;
    }

    /** Parses a table whose device names resolve through this registry. */
    public Table parse(String tableText) {
        return Table.parse(tableText, types, this, scheduler);
    }

    /** Parses {@code tableText} and loads it into the inactive slot of device {@code name}. */
    public void load(String name, String tableText) {
        MappedDevice d = require(name);
        Table table = parse(tableText);
        try {
            d.load(table);
        } catch (RuntimeException e) {
            table.close();
            throw e;
        }
    }

    /** The device called {@code name}. */
    public synchronized Optional<MappedDevice> lookup(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    private MappedDevice require(String name) {
        return lookup(name).orElseThrow(() -> new IllegalArgumentException("no mapped device '" + name + "'"));
    }

    /** Info of every device, by name. */
    public List<DeviceInfo> list() {
        List<MappedDevice> all;
        synchronized (this) {
            all = new ArrayList<>(devices.values());
        }
        return all.stream().map(MappedDevice::info).toList();
    }

    /**
     * Removes device {@code name} (see {@link MappedDevice#remove}); the name is free again at once,
     * the returned future completes when its in-flight I/O has.
     */
    public CompletableFuture<Void> remove(String name, boolean force) {
        MappedDevice d = require(name);
        CompletableFuture<Void> done = d.remove(force);
        synchronized (this) {
            if (devices.remove(name, d)) {
                listeners.forEach(l -> l.removed(d));
            }
        }
        return done;
    }

    @Override
    public BlockDevice resolve(String name) {
        String n = name.startsWith(MAPPER_DIR) ? name.substring(MAPPER_DIR.length()) : name;
        if (!n.contains("/")) {
            return lookup(n).orElseThrow(() -> new IllegalArgumentException("no mapped device '" + n + "'"));
        }
        return files.resolve(name);
    }
}
