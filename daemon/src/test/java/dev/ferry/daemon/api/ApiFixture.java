package dev.ferry.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.activation.DmExports;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.policy.AllowedPaths;
import dev.ferry.daemon.process.DaemonConfig;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.InProcessCli;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * A real daemon process in this JVM on a temporary Unix socket with the API routes over a real
 * {@link VolumeManager} (PVs are temporary files) and a real {@link DeviceRegistry} whose tables resolve
 * paths to {@link FileBlockDevice}s; commands run through picocli in-process with captured output.
 */
final class ApiFixture implements AutoCloseable {
    /** One mebibyte. */
    static final long MIB = 1 << 20;

    final Path root;
    final VolumeManager manager;
    final DeviceRegistry registry;
    /** The exports dmsetup create publishes. */
    final ExportDirectory exports = new ExportDirectory();
    final DaemonProcess daemon;
    final ControlClient client;
    private final ThreadPoolExecutor io = IoExecutors.newPool(2, 1024);
    private final Map<String, FileBlockDevice> files = new ConcurrentHashMap<>();

    ApiFixture(Path root, Duration suspendTimeout) throws Exception {
        this(root, suspendTimeout, ops -> ops);
    }

    /** A fixture whose routes use {@code wrap} applied to the manager's operations. */
    ApiFixture(Path root, Duration suspendTimeout, java.util.function.UnaryOperator<VolumeOperations> wrap)
        throws Exception {
        this(root, suspendTimeout, wrap, List.of());
    }

    /** As above; PV paths may lie under {@code root} and the {@code allowed} directories. */
    ApiFixture(Path root, Duration suspendTimeout, java.util.function.UnaryOperator<VolumeOperations> wrap,
               List<Path> allowed) throws Exception {
        this.root = root;
        this.manager = VolumeManager.open(root.resolve("volumes"));
        this.registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), this::file, suspendTimeout);
        DaemonConfig d = DaemonConfig.defaults(root.resolve("daemon"));
        DaemonConfig config = new DaemonConfig(d.dataDir(), d.nbdListen(), d.controlSocket(), Optional.empty(),
            Optional.empty(), 1, Duration.ofSeconds(5));
        VolumeOperations ops = wrap.apply(new ManagerVolumeOperations(manager));
        this.daemon = DaemonProcess.builder(config)
            .routes(router -> ApiRoutes.install(router, ops, registry,
                new DmExports(exports, FerryServices::blockDeviceExport), suspendTimeout,
                AllowedPaths.of(d.dataDir(), Stream.concat(Stream.of(root), allowed.stream()).toList()))).build();
        daemon.start();
        this.client = new ControlClient(config.controlSocket(), Duration.ofSeconds(20));
    }

    private BlockDevice file(String path) {
        return files.computeIfAbsent(path, p -> {
            try {
                return FileBlockDevice.open(Path.of(p), FileBlockDevice.Access.READ_WRITE, io);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot open " + p + ": " + e.getMessage(), e);
            }
        });
    }

    /** A path under the root. */
    String path(String name) {
        return root.resolve(name).toString();
    }

    /** Creates a sparse file of {@code bytes}. */
    String sparseFile(String name, long bytes) throws IOException {
        Path p = root.resolve(name);
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p.toString();
    }

    /** Runs {@code ferry ARGS} with {@code --control} pointing at this daemon. */
    CliResult run(String... args) {
        return InProcessCli.run(Path.of(daemon.config().controlSocket().path().toString()), args);
    }

    /** A JSON call to the daemon. */
    JsonNode call(String method, String target, Object body) throws ControlCallException {
        return client.call(method, target, body);
    }

    /**
     * Everything the metadata says, as reports in bytes: every VG, PV and LV segment with their
     * seqno and allocation; compared before and after a refused command.
     */
    String metadata() throws ControlCallException {
        return call("GET", "/v1/reports/vgs?units=b&o=vg_name,vg_uuid,vg_seqno,pv_count,lv_count,vg_size,vg_free", null)
            + "\n" + call("GET", "/v1/reports/pvs?units=b&o=+pv_uuid,pv_pe_alloc_count", null)
            + "\n" + call("GET", "/v1/reports/lvs?all&segments&units=b&o=lv_name,vg_name,lv_size,seg_size,devices", null);
    }

    /** Bytes of a file, to compare data and labels. */
    byte[] bytes(String path) throws IOException {
        return Files.readAllBytes(Path.of(path));
    }

    @Override
    public void close() throws Exception {
        try {
            daemon.stop("test over");
        } finally {
            for (var d : registry.list()) {
                registry.remove(d.name(), true).join();
            }
            for (FileBlockDevice f : files.values()) {
                f.close();
            }
            io.shutdown();
            manager.close();
        }
    }
}
