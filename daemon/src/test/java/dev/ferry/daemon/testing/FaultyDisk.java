package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A regular file that fails on demand, like a disk with bad media: nbdkit serves a sparse backing file and nbdfuse
 * exposes it; while {@link #failWrites} is on writes return EIO, and while {@link #failReads} is on reads do.
 * Requests in between are plain reads and writes of the backing file. Made by nbdkit's eval plugin
 * ({@link #create}: faults spare a healthy prefix, the PV label and metadata area) or by its error filter
 * ({@link #withErrorFilter}: faults hit the whole disk).
 */
public final class FaultyDisk implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path mountDir;
    private final Path file;
    private final Path writeTrigger;
    private final Path readTrigger;
    private final Process nbdfuse;

    private FaultyDisk(Path mountDir, Path writeTrigger, Path readTrigger, Process nbdfuse) {
        this.mountDir = mountDir;
        this.file = mountDir.resolve("disk");
        this.writeTrigger = writeTrigger;
        this.readTrigger = readTrigger;
        this.nbdfuse = nbdfuse;
    }

    /**
     * Skips the calling test (fails it when every test must run, see {@link Prerequisites}) unless /dev/fuse, nbdkit
     * (with its eval plugin and error filter), nbdfuse and dd are there.
     */
    public static void assumeUsable() {
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse for nbdfuse");
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        ExternalTool.assumeInstalled("nbdfuse", "nbdfuse");
        ExternalTool.assumeInstalled("fuse3", "fusermount3");
        ExternalTool.assumeInstalled("coreutils", "dd", "sync");
        Prerequisites.require(ExternalTool.run(TIMEOUT, "nbdkit", "eval", "--dump-plugin").exitCode() == 0,
                "nbdkit's eval plugin is not installed (Debian package nbdkit)");
        Prerequisites.require(ExternalTool.run(TIMEOUT, "nbdkit", "--filter=error", "file", "--dump-plugin")
                .exitCode() == 0, "nbdkit's error filter is not installed (Debian package nbdkit)");
    }

    /**
     * Creates a zeroed disk of {@code size} bytes at {@code dir/NAME-fuse/disk}, with no fault on; faults never
     * touch its first {@code healthyBytes}.
     */
    public static FaultyDisk create(Path dir, String name, long size, long healthyBytes) {
        return start(dir, name, size, (backing, t) -> {
            // The eval plugin runs each script with $3 = count and $4 = offset; "EIO ..." on stderr with exit 1
            // makes nbdkit answer EIO.
            String img = "'" + backing + "'";
            return List.of("eval", "get_size=echo " + size, "can_write=exit 0", "can_flush=exit 0",
                    "flush=sync " + img,
                    "pread=" + fault(t.reads, healthyBytes, "read")
                            + "dd if=" + img + " iflag=skip_bytes,count_bytes skip=$4 count=$3 status=none",
                    "pwrite=" + fault(t.writes, healthyBytes, "write")
                            + "dd of=" + img + " oflag=seek_bytes conv=notrunc seek=$4 status=none");
        });
    }

    /**
     * Creates a zeroed disk of {@code size} bytes at {@code dir/NAME-fuse/disk}, with no fault on, served by nbdkit's
     * file plugin under its error filter: faults hit the whole disk (a PV's label and metadata area too), writes
     * meaning writes, zeroing and trims.
     */
    public static FaultyDisk withErrorFilter(Path dir, String name, long size) {
        return start(dir, name, size, (backing, t) -> {
            List<String> args = new ArrayList<>(List.of("--filter=error", "file", backing.toString(), "error=EIO"));
            for (String op : List.of("pwrite", "zero", "trim")) {
                args.addAll(List.of("error-" + op + "-rate=1", "error-" + op + "-file=" + t.writes));
            }
            args.addAll(List.of("error-pread-rate=1", "error-pread-file=" + t.reads));
            return args;
        });
    }

    /** The trigger files: faults are on while they exist. */
    private record Triggers(Path writes, Path reads) {
    }

    /** Serves a new backing file through nbdfuse running {@code nbdkit -s} with the arguments {@code server} gives. */
    private static FaultyDisk start(Path dir, String name, long size,
            BiFunction<Path, Triggers, List<String>> server) {
        try {
            Path mnt = Files.createDirectories(dir.resolve(name + "-fuse"));
            Path backing = dir.resolve(name + ".img");
            try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
                f.setLength(size);
            }
            Triggers triggers = new Triggers(dir.resolve(name + "-fail-writes"), dir.resolve(name + "-fail-reads"));
            Path log = dir.resolve(name + "-nbdfuse.log");
            List<String> command = new ArrayList<>(List.of(ExternalTool.find("nbdfuse").toString(),
                    mnt.resolve("disk").toString(), "--command", ExternalTool.find("nbdkit").toString(), "-s"));
            command.addAll(server.apply(backing, triggers));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            FaultyDisk disk = new FaultyDisk(mnt, triggers.writes, triggers.reads, p);
            try {
                Poll.until(TIMEOUT, "nbdfuse to expose " + disk.file, () -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("nbdfuse exited with " + p.exitValue());
                    }
                    try {
                        return Files.exists(disk.file) && Files.size(disk.file) == size;
                    } catch (IOException notYet) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                disk.close();
                throw new AssertionError(e.getMessage() + ": " + Files.readString(log), e);
            }
            return disk;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shell test failing a request that ends beyond {@code healthyBytes} while {@code trigger} exists. */
    private static String fault(Path trigger, long healthyBytes, String what) {
        return "if [ $(($4 + $3)) -gt " + healthyBytes + " ] && [ -e '" + trigger + "' ]; then echo 'EIO injected "
                + what + " error' >&2; exit 1; fi; ";
    }

    /** The file (use its path as a PV). */
    public Path file() {
        return file;
    }

    /** Turns EIO on every write on or off. */
    public void failWrites(boolean on) {
        trigger(writeTrigger, on);
    }

    /**
     * Turns EIO on every read on or off. Turning it on also drops the file's clean cached pages, so reads reach
     * the disk instead of the kernel's page cache (nbdfuse has no direct I/O mode).
     */
    public void failReads(boolean on) {
        trigger(readTrigger, on);
        if (on) {
            ExternalTool.run(TIMEOUT, "dd", "if=" + file, "iflag=nocache", "count=0", "status=none").assertSuccess();
        }
    }

    private static void trigger(Path trigger, boolean on) {
        try {
            if (on) {
                Files.writeString(trigger, "");
            } else {
                Files.deleteIfExists(trigger);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Turns faults off, unmounts and stops nbdfuse (and with it nbdkit). */
    @Override
    public void close() {
        failWrites(false);
        failReads(false);
        NbdfuseMount.stopNbdfuse(mountDir, nbdfuse);
    }
}
