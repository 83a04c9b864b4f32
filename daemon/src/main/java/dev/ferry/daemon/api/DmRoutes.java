package dev.ferry.daemon.api;

import static dev.ferry.daemon.api.RequestBodies.required;

import dev.ferry.daemon.activation.DeviceExports;
import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlException;
import dev.ferry.daemon.control.ControlRequest;
import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.mapper.device.DeviceInfo;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.DeviceState;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import dev.ferry.mapper.table.InvalidTableException;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * dmsetup over a {@link DeviceRegistry}. Suspend, resume and remove answer when the device has drained,
 * without holding the control thread. A device created here is published as the NBD export of its own name
 * ({@link DeviceExports}); remove withdraws it, and is refused while NBD clients are attached unless forced.
 *
 * <pre>
 *  GET    /v1/dm                          {"devices":[info...]}                       (ls)
 *  GET    /v1/dm/{name}/info              info                                        (info)
 *  GET    /v1/dm/{name}/table[?inactive]  {"name","inactive","table"}                 (table)
 *  GET    /v1/dm/{name}/status            {"name","status"}                           (status)
 *  POST   /v1/dm                          {"name","table"}  201 info                  (create)
 *  PUT    /v1/dm/{name}/table             {"table"}         200 info                  (load)
 *  POST   /v1/dm/{name}/suspend[?noflush]                   200 info                  (suspend)
 *  POST   /v1/dm/{name}/resume                              200 info                  (resume)
 *  DELETE /v1/dm/{name}[?force]                             200 {"name"}              (remove)
 *  info = {"name","state","open_count","live_table","inactive_table","event_number","target_count","size"}
 * </pre>
 */
public final class DmRoutes {
    private final DeviceRegistry registry;
    private final DeviceExports exports;
    private final Duration suspendTimeout;

    private DmRoutes(DeviceRegistry registry, DeviceExports exports, Duration suspendTimeout) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.exports = Objects.requireNonNull(exports, "exports");
        this.suspendTimeout = Objects.requireNonNull(suspendTimeout, "suspendTimeout");
    }

    /**
     * Adds the routes; created devices are published through {@code exports}; {@code suspendTimeout} bounds
     * {@code dmsetup suspend} (and resume's implicit suspend).
     */
    public static void install(ControlRouter router, DeviceRegistry registry, DeviceExports exports,
                               Duration suspendTimeout) {
        DmRoutes r = new DmRoutes(registry, exports, suspendTimeout);
        router.add(HttpMethod.GET, "/v1/dm", q -> Map.of("devices", registry.list().stream().map(DmRoutes::info).toList()));
        router.add(HttpMethod.GET, "/v1/dm/{name}/info", q -> info(r.device(q).info()));
        router.add(HttpMethod.GET, "/v1/dm/{name}/table", r::table);
        router.add(HttpMethod.GET, "/v1/dm/{name}/status", r::status);
        router.add(HttpMethod.POST, "/v1/dm", r::create);
        router.add(HttpMethod.PUT, "/v1/dm/{name}/table", r::load);
        router.add(HttpMethod.POST, "/v1/dm/{name}/suspend", r::suspend);
        router.add(HttpMethod.POST, "/v1/dm/{name}/resume", r::resume);
        router.add(HttpMethod.DELETE, "/v1/dm/{name}", r::remove);
    }

    private MappedDevice device(ControlRequest q) {
        return device(q.pathParam("name"));
    }

    private MappedDevice device(String name) {
        return registry.lookup(name).orElseThrow(() -> ApiErrors.dm(ApiErrors.DEVICE_NOT_FOUND,
            "Device '" + name + "' not found", null));
    }

    private Object table(ControlRequest q) {
        MappedDevice d = device(q);
        boolean inactive = q.queryFlag("inactive", false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", d.name());
        out.put("inactive", inactive);
        out.put("table", inactive ? d.inactiveTable() : d.table());
        return out;
    }

    private Object status(ControlRequest q) {
        MappedDevice d = device(q);
        if (q.queryFlag("inactive", false)) {
            throw ControlErrors.invalidArgument("status of the inactive table is not available; "
                + "use table --inactive");
        }
        return Map.of("name", d.name(), "status", d.status());
    }

    private Object create(ControlRequest q) {
        RequestBodies.DmCreate b = q.bodyAs(RequestBodies.DmCreate.class);
        String name = required(b.name(), "name");
        if (registry.lookup(name).isPresent()) {
            throw ApiErrors.dm(ApiErrors.DEVICE_EXISTS, "Device '" + name + "' already exists", null);
        }
        MappedDevice d = guard(name, () -> {
            try {
                return registry.create(name, required(b.table(), "table"));
            } catch (InvalidTableException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw ApiErrors.dm(ApiErrors.INVALID_DEVICE_NAME, e.getMessage(), e);
            }
        });
        try {
            exports.publish(d);
        } catch (IllegalArgumentException e) {
            registry.remove(name, true);
            throw ApiErrors.dm(ApiErrors.DEVICE_EXISTS, "Device '" + name + "': " + e.getMessage(), e);
        }
        return ControlResponse.json(201, info(d.info()));
    }

    private Object load(ControlRequest q) {
        MappedDevice d = device(q);
        String table = required(q.bodyAs(RequestBodies.DmTable.class).table(), "table");
        guard(d.name(), () -> {
            registry.load(d.name(), table);
            return null;
        });
        return info(d.info());
    }

    private Object suspend(ControlRequest q) {
        MappedDevice d = device(q);
        SuspendMode mode = q.queryFlag("noflush", false) ? SuspendMode.NOFLUSH : SuspendMode.FLUSH;
        return answer(d, guard(d.name(), () -> d.suspend(mode, suspendTimeout)));
    }

    private Object resume(ControlRequest q) {
        MappedDevice d = device(q);
        return answer(d, guard(d.name(), d::resume));
    }

    private Object remove(ControlRequest q) {
        MappedDevice d = device(q);
        boolean force = q.queryFlag("force", false);
        DeviceState state = d.state();
        if (!state.successors().contains(DeviceState.REMOVED)) {
            throw ApiErrors.dm(ApiErrors.DEVICE_STATE, "device '" + d.name() + "': illegal transition " + state
                + " -> " + DeviceState.REMOVED, null);
        }
        int clients = exports.clients(d.name());
        if (clients > 0 && !force) {
            throw ApiErrors.dm(ApiErrors.DEVICE_BUSY, "device '" + d.name() + "' is exported to " + clients
                + " attached NBD client(s); use --force to remove it anyway", null);
        }
        CompletableFuture<Void> done;
        try {
            done = registry.remove(d.name(), force);
        } catch (IllegalStateException e) {
            throw ApiErrors.dm(ApiErrors.DEVICE_BUSY, e.getMessage() + "; use --force to remove it anyway", e);
        }
        exports.withdraw(d.name());
        return done.handle((v, e) -> {
            if (e != null) {
                throw translate(d.name(), e, false);
            }
            return Map.of("name", d.name());
        });
    }

    private CompletionStage<Object> answer(MappedDevice d, CompletableFuture<Void> op) {
        return op.handle((v, e) -> {
            if (e != null) {
                throw translate(d.name(), e, true);
            }
            return info(d.info());
        });
    }

    private static <T> T guard(String name, Supplier<T> op) {
        try {
            return op.get();
        } catch (ControlException e) {
            throw e;
        } catch (RuntimeException e) {
            throw translate(name, e, false);
        }
    }

    /**
     * The control error for a failure of a device operation; other failures of a suspend are
     * {@code SUSPEND_FAILED}, of anything else stay as they are (a 500).
     */
    static RuntimeException translate(String name, Throwable failure, boolean suspending) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ControlException ce) {
            return ce;
        }
        if (t instanceof IllegalArgumentException) {
            return ApiErrors.dm(ApiErrors.INVALID_TABLE, "invalid table for device '" + name + "': " + t.getMessage(), t);
        }
        if (t instanceof IllegalStateException) {
            return ApiErrors.dm(ApiErrors.DEVICE_STATE, t.getMessage(), t);
        }
        if (t instanceof TimeoutException) {
            return ApiErrors.dm(ApiErrors.SUSPEND_TIMEOUT, t.getMessage(), t);
        }
        if (suspending) {
            return ApiErrors.dm(ApiErrors.SUSPEND_FAILED, "device '" + name + "': suspend failed: " + t.getMessage(), t);
        }
        return t instanceof RuntimeException re ? re : new CompletionException(t);
    }

    static Map<String, Object> info(DeviceInfo i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", i.name());
        out.put("state", i.state().name());
        out.put("open_count", i.openCount());
        out.put("live_table", i.liveTable());
        out.put("inactive_table", i.inactiveTable());
        out.put("event_number", i.eventNumber());
        out.put("target_count", i.targetCount());
        out.put("size", i.sizeBytes());
        return out;
    }
}
