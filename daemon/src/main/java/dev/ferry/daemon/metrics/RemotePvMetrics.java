package dev.ferry.daemon.metrics;

import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.daemon.model.VolumeManager;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The health of each remote PV, read at scrape time: {@code ferry_remote_pv_state{pv,state}} is 1 for the PV's
 * current state ({@code connected}, {@code reconnecting} or {@code failed}) and 0 for the others. A PV gets its
 * gauges when the daemon first tries to connect to it (at start, pvcreate, vgextend); they stay until the daemon stops.
 */
public final class RemotePvMetrics {
    private RemotePvMetrics() {
    }

    /** Gauges in {@code registry} for the remote PVs of {@code manager}, known now and from now on. */
    public static void bind(MeterRegistry registry, VolumeManager manager) {
        manager.watchRemotePvs(uri -> {
            for (RemoteHealth.State state : RemoteHealth.State.values()) {
                Gauge.builder("ferry.remote.pv.state", manager,
                                m -> m.remoteHealth(uri).map(h -> h.state() == state ? 1.0 : 0.0).orElse(Double.NaN))
                        .tag("pv", uri).tag("state", state.text())
                        .description("1 for a remote PV's current connection state, 0 for its other states")
                        .register(registry);
            }
        });
    }
}
