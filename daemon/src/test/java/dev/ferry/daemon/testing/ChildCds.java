package dev.ferry.daemon.testing;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A class-data sharing archive for the suite's child {@code ferry} JVMs: the process tests start a few hundred
 * daemons, and each spent about two seconds of CPU loading and linking its classes. Built once per class path (the
 * archive's name holds a hash of it and of the JDK), under a file lock so that parallel test JVMs build it once: a
 * training daemon lists the classes it loads ({@code -XX:DumpLoadedClassList}, {@link ChildCdsTraining}), and a
 * dump ({@code -Xshare:dump}) archives those found in the jars. The JDK archives no class from a directory, where the
 * build puts Ferry's own, and refuses to dump with a non-empty one on the class path, so the dump sees the jars only
 * and the child class path lists them first ({@link #classPath()}): an archive serves a class path it is a prefix
 * of. When the archive cannot be built the children start without it, with the reason on this JVM's standard error,
 * and this JVM does not try again.
 */
public final class ChildCds {

    /** The option that makes the training JVM list its classes, recognised so that its own start does not wait for them. */
    static final String DUMP_OPTION = "-XX:DumpLoadedClassList=";

    /** In the module's build directory (surefire sets {@code basedir}), so that a clean build drops old archives. */
    private static final Path DIRECTORY = Path.of(System.getProperty("basedir", "."), "target", "child-cds");
    private static final Object BUILDING = new Object();
    private static volatile List<String> options;

    private ChildCds() {
    }

    /**
     * The child class path: this JVM's entries, jars before directories (no class lives in both, so the order
     * changes nothing else).
     */
    public static String classPath() {
        List<String> entries = new ArrayList<>(entries(true));
        entries.addAll(entries(false));
        return String.join(File.pathSeparator, entries);
    }

    /** This JVM's class path entries that are jars, or the others. */
    private static List<String> entries(boolean jars) {
        List<String> picked = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith(".jar") == jars) {
                picked.add(entry);
            }
        }
        return picked;
    }

    /** The JVM options that map the archive into a child, building it first if no JVM has; empty without one. */
    public static List<String> options() {
        List<String> known = options;
        if (known != null) {
            return known;
        }
        synchronized (BUILDING) {
            if (options == null) {
                options = build();
            }
            return options;
        }
    }

    private static List<String> build() {
        Path archive = DIRECTORY.resolve("ferry-child-" + fingerprint() + ".jsa");
        try {
            Files.createDirectories(DIRECTORY);
            try (FileChannel lockFile = FileChannel.open(DIRECTORY.resolve(archive.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (!Files.exists(archive)) {
                    Path training = Files.createTempDirectory(DIRECTORY, "training");
                    Path classes = training.resolve("classes.list");
                    ChildCdsTraining.run(training, DUMP_OPTION + classes);
                    Path partial = training.resolve(archive.getFileName());
                    dump(classes, partial, training.resolve("dump.log"));
                    Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
                    deleteTree(training);   // kept when the build fails, for its logs
                }
            }
            return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
        } catch (Exception | AssertionError e) {
            System.err.println("ChildCds: child JVMs start without a class-data sharing archive: " + e);
            return List.of();
        }
    }

    /** Archives the classes {@code listed} that the jars of the child class path hold into {@code archive}. */
    private static void dump(Path listed, Path archive, Path log) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:dump", "-XX:SharedClassListFile=" + listed, "-XX:SharedArchiveFile=" + archive,
                "-cp", String.join(File.pathSeparator, entries(true)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the class-data sharing dump took over 120 s; see " + log);
        }
        if (p.exitValue() != 0 || !Files.exists(archive)) {
            throw new IllegalStateException("the class-data sharing dump exited with " + p.exitValue() + ":\n"
                    + Files.readString(log));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A hash of what makes an archive valid for a child: the JDK and the class path. */
    private static String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((System.getProperty("java.home") + "\n" + System.getProperty("java.vm.version") + "\n"
                    + classPath()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
