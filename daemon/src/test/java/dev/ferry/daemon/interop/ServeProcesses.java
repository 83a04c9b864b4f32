package dev.ferry.daemon.interop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension owning the {@code ferry serve} processes tests start: it prints their logs after a
 * failed test; after each test (or, per class, after all) it kills those still running and fails if a
 * log reports a Netty buffer leak (the children run with the paranoid leak detector).
 */
final class ServeProcesses implements AfterEachCallback, AfterAllCallback {

    private final List<ServeProcess> started = new ArrayList<>();
    private final boolean perClass;

    /** Processes live for one test. */
    ServeProcesses() {
        this(false);
    }

    /** With {@code perClass}, processes live until all tests of the class ran (register it static). */
    ServeProcesses(boolean perClass) {
        this.perClass = perClass;
    }

    /** Takes ownership of a process launched by the test. */
    ServeProcess own(ServeProcess p) {
        started.add(p);
        return p;
    }

    /** Starts a process (see {@link ServeProcess#start}) owned by this extension. */
    ServeProcess start(Path logDir, Path file, String exportName, String... extraArgs) {
        ServeProcess p = ServeProcess.start(logDir, file, exportName, extraArgs);
        started.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            started.forEach(p -> System.out.println(p.log()));
        }
        if (!perClass) {
            stopAll();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (perClass) {
            stopAll();
        }
    }

    private void stopAll() {
        StringBuilder leaks = new StringBuilder();
        for (ServeProcess p : started) {
            p.close();
            String log = p.log();
            if (log.contains("LEAK:")) {
                leaks.append(log).append('\n');
            }
        }
        started.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("ferry serve reported a buffer leak\n" + leaks);
        }
    }
}
