package dev.ferry.daemon.testing;

import dev.ferry.daemon.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts {@code ferry ARGS...} ({@link Main}) in a child JVM on the test class path, output to a log file. */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** JVM options that shorten start-up of an often restarted child (C1 only, serial GC). */
    public static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** The command line of a child {@code ferry ARGS...} JVM with Netty's paranoid leak detector on. */
    public static List<String> ferryCommand(List<String> args) {
        return ferryCommand(List.of(), args);
    }

    /**
     * The start of a command line that execs the rest (same pid) with SIGHUP, SIGINT and SIGTERM at their default: a
     * suite started under {@code nohup} or as a background job passes them on ignored, and a JVM that inherits an
     * ignored SIGHUP or SIGINT cannot trap it, so the tests of reloads and stops would fail.
     */
    public static final List<String> DEFAULT_SIGNALS = List.of("env", "--default-signal=HUP,INT,TERM");

    /**
     * The command line of a child {@code ferry ARGS...} JVM with extra {@code jvmOptions} (see {@link #DEFAULT_SIGNALS}),
     * mapping {@link ChildCds}'s archive unless the options are the ones that write it.
     */
    public static List<String> ferryCommand(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>(DEFAULT_SIGNALS);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvmOptions.stream().noneMatch(o -> o.startsWith(ChildCds.DUMP_OPTION))) {
            cmd.addAll(ChildCds.options());
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-Dio.netty.leakDetection.level=paranoid",
                "--add-opens", "java.base/java.io=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-cp", ChildCds.classPath(),
                Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /** Starts {@code ferry ARGS...} with {@code env} added, stdout and stderr appended to {@code log}. */
    public static Process start(List<String> args, Map<String, String> env, Path log) {
        return start(List.of(), args, env, log);
    }

    /** {@link #start(List, Map, Path)} with extra {@code jvmOptions}. */
    public static Process start(List<String> jvmOptions, List<String> args, Map<String, String> env, Path log) {
        return start(List.of(), jvmOptions, args, env, log);
    }

    /**
     * {@link #start(List, List, Map, Path)} run through {@code prefix}, a command that runs the rest of its command line
     * (such as {@link NetHost#execPrefix()}: inside a network namespace).
     */
    public static Process start(List<String> prefix, List<String> jvmOptions, List<String> args,
            Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(ferryCommand(jvmOptions, args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port nobody listened on a moment ago. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
