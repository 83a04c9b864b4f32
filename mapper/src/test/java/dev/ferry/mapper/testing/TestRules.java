package dev.ferry.mapper.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.PreInterruptCallback;
import org.junit.jupiter.api.extension.PreInterruptContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * The suite's rules for every test, registered by {@code META-INF/services} (extension autodetection is switched on
 * in the parent pom): when {@link #requireAll()}, a test skipped by an assumption (a missing tool, no root, no
 * {@code /dev/fuse}...) fails instead, naming what is missing; a failure names the {@link Seeds seed} its test took
 * and how to replay it; a test interrupted by its time limit prints a dump of every thread, taken just before the
 * interrupt, and carries it in its failure; and a test JVM still running 20 s before surefire's fork timeout
 * ({@code -Dferry.forkTimeoutSeconds}, set by the parent pom) writes a dump of every thread to
 * {@code ferry.dumpDirectory/fork-timeout-PID.dumpstream}, which {@code scripts/test.sh} prints. (nbd-protocol has its
 * own copy: the two modules share no test code.)
 */
public final class TestRules implements BeforeEachCallback, TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler, PreInterruptCallback {
    /** Shared by both modules' copies (the daemon's tests load both), so a timeout gets one dump. */
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create("ferry.TestRules");

    static {
        watchForkTimeout();
    }

    /**
     * Whether every test must run: env {@code FERRY_REQUIRE_ALL} when set ({@code 0} or {@code false} is off), else
     * env {@code CI} set to anything but {@code false} (as CI services do), so CI implies require-all.
     */
    public static boolean requireAll() {
        String require = System.getenv("FERRY_REQUIRE_ALL");
        String value = require == null || require.isEmpty() ? System.getenv("CI") : require;
        return value != null && !value.isEmpty() && !"0".equals(value) && !"false".equalsIgnoreCase(value);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Seeds.begin(context.getRequiredTestClass().getName() + "#" + context.getRequiredTestMethod().getName());
    }

    @Override
    public void beforeThreadInterrupt(PreInterruptContext interrupt, ExtensionContext context) {
        if (context.getStore(NS).get("dump") != null) {
            return;
        }
        String dump = threadDump("thread dump before interrupting " + interrupt.getThreadToInterrupt()
                + " at its time limit");
        System.err.println(dump);
        context.getStore(NS).put("dump", dump);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw explain(context, failure);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure)
            throws Throwable {
        throw explain(context, failure);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure)
            throws Throwable {
        throw explain(context, failure);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure)
            throws Throwable {
        throw explain(context, failure);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable failure)
            throws Throwable {
        throw explain(context, failure);
    }

    private static Throwable explain(ExtensionContext context, Throwable failure) {
        if (failure instanceof TestAbortedException) {
            return requireAll() ? new AssertionError("FERRY_REQUIRE_ALL (or CI) runs every test, but this one cannot"
                    + " run here: " + failure.getMessage(), failure) : failure;
        }
        String dump = context.getStore(NS).remove("dump", String.class);
        if (dump != null && failure instanceof TimeoutException) {
            Exception threads = new Exception(dump);
            threads.setStackTrace(new StackTraceElement[0]);
            failure.addSuppressed(threads);
        }
        String seed = Seeds.replayHint();
        return seed == null ? failure : new AssertionError(seed + ": " + failure, failure);
    }

    private static String threadDump(String title) {
        StringBuilder dump = new StringBuilder(title).append(":\n");
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState())
                    .append(thread.getLockName() == null ? "" : " on " + thread.getLockName()).append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("\tat ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }

    /** Once per JVM (both modules' copies may be loaded): a daemon thread that dumps all threads before the kill. */
    private static void watchForkTimeout() {
        Long seconds = Long.getLong("ferry.forkTimeoutSeconds");
        String directory = System.getProperty("ferry.dumpDirectory");
        boolean started = System.getProperties().putIfAbsent("ferry.watchdog", "on") != null;
        if (seconds == null || directory == null || started) {
            return;
        }
        long dumpAt = ManagementFactory.getRuntimeMXBean().getStartTime() + (seconds - 20) * 1000;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Math.max(0, dumpAt - System.currentTimeMillis()));
                String dump = threadDump("test JVM still running 20 s before its fork timeout of " + seconds + " s");
                System.err.println(dump);
                Path file = Path.of(directory, "fork-timeout-" + ProcessHandle.current().pid() + ".dumpstream");
                Files.createDirectories(file.getParent());
                Files.writeString(file, dump);
            } catch (InterruptedException | IOException e) {
                System.err.println("no fork-timeout thread dump: " + e);
            }
        }, "ferry-fork-timeout-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
