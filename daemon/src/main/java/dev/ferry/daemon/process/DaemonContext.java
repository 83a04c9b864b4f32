package dev.ferry.daemon.process;

import dev.ferry.daemon.control.ControlRouter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;

/**
 * What a {@link DaemonService} gets at start: the resolved configuration, the locked data directory, the
 * control router to add its routes to, and the meter registry scraped at {@code GET /metrics}.
 */
public record DaemonContext(DaemonConfig config, Path dataDir, ControlRouter router, MeterRegistry meterRegistry) {
}
