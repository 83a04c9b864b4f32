package dev.ferry.daemon.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension owning the ferry child processes tests start: it prints their logs after a failed test;
 * after each test (or, per class, after all) it kills those still running and fails if a log reports a
 * Netty buffer leak (the children run with the paranoid leak detector).
 *
 * @param <T> the kind of process
 */
public class ChildProcesses<T extends LoggedProcess> implements AfterEachCallback, AfterAllCallback {

    private final List<T> started = new ArrayList<>();
    private final boolean perClass;

    /** Processes live for one test. */
    public ChildProcesses() {
        this(false);
    }

    /** With {@code perClass}, processes live until all tests of the class ran (register it static). */
    public ChildProcesses(boolean perClass) {
        this.perClass = perClass;
    }

    /** Takes ownership of a process launched by the test. */
    public <P extends T> P own(P p) {
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
        for (T p : started) {
            p.close();
            String log = p.log();
            if (log.contains("LEAK:")) {
                leaks.append(log).append('\n');
            }
        }
        started.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("a ferry child process reported a buffer leak\n" + leaks);
        }
    }
}
