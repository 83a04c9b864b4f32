package dev.ferry.daemon.process;

import dev.ferry.daemon.control.ControlRouter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What a {@link DaemonService} gets at start: the resolved configuration, the locked data directory, the
 * control router to add its routes to, the meter registry scraped at {@code GET /metrics}, and a way to
 * ask the whole daemon to stop (e.g. after a fatal error), which returns at once.
 */
public record DaemonContext(DaemonConfig config, Path dataDir, ControlRouter router, MeterRegistry meterRegistry,
                            Consumer<String> requestStop) {
}
