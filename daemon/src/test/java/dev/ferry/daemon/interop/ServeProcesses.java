package dev.ferry.daemon.interop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension owning the {@code ferry serve} processes a test starts: after each test it kills
 * those still running, prints their logs when the test failed, and fails the test if a log reports a
 * Netty buffer leak (the children run with the paranoid leak detector).
 */
final class ServeProcesses implements AfterEachCallback {

    private final List<ServeProcess> started = new ArrayList<>();

    /** Starts a process (see {@link ServeProcess#start}) owned by this extension. */
    ServeProcess start(Path logDir, Path file, String exportName, String... extraArgs) {
        ServeProcess p = ServeProcess.start(logDir, file, exportName, extraArgs);
        started.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        StringBuilder leaks = new StringBuilder();
        for (ServeProcess p : started) {
            p.close();
            String log = p.log();
            if (context.getExecutionException().isPresent()) {
                System.out.println(log);
            }
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
