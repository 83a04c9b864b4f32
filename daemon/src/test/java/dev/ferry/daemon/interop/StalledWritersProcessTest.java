package dev.ferry.daemon.interop;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.IoFlusherThreads;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory finding of issue 15 against a real {@code ferry serve} started with the launcher's JVM options
 * ({@code scripts/jvm-options}): 40 clients each send a 32 MiB WRITE header and all but one byte of its payload, then
 * idle; the server's resident memory stays under 400 MiB (before the payload budget it reached 1.56 GB) while another
 * client still gets its READ and FLUSH answered. The same server shows its I/O threads marked with
 * {@code PR_SET_IO_FLUSHER} exactly when the process may set it (CAP_SYS_RESOURCE).
 */
class StalledWritersProcessTest {
    private static final Path JVM_OPTIONS = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("scripts/jvm-options");
    private static final int CLIENTS = 40;
    private static final int PAYLOAD = 32 << 20;
    private static final long RSS_LIMIT_KIB = 400 << 10;
    /** The payload budget (128 MiB) admits this many 32 MiB payloads at once; the others wait unread. */
    private static final int ADMITTED = 4;

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @Test
    void stalledHalfWrittenWritesKeepMemoryBoundedAndOthersServed() throws Exception {
        Path file = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        int port = ServeProcess.freePort();
        ServeProcess serve = servers.own(ServeProcess.launch(dir, port, "disk", List.of("@" + JVM_OPTIONS),
                List.of("serve", file.toString(), "--name", "disk", "--listen", "127.0.0.1:" + port)))
                .awaitListening();
        AtomicLong maxRss = new AtomicLong();
        AtomicInteger fullySent = new AtomicInteger();
        List<RawNbdClient> stalled = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        byte[] payload = new byte[PAYLOAD - 1];
        try {
            for (int i = 0; i < CLIENTS; i++) {
                RawNbdClient c = RawNbdClient.attach(port, "disk");
                stalled.add(c);
                long offset = (long) (i % 8) * PAYLOAD;
                Thread t = new Thread(() -> {
                    try {
                        c.request(0, NBD_CMD_WRITE, offset, offset, PAYLOAD, payload);   // blocks while unread
                        fullySent.incrementAndGet();
                    } catch (UncheckedIOException closedAtTheEnd) {
                        // the test closes the socket under a write the server never read
                    }
                }, "stalled-writer-" + i);
                t.setDaemon(true);
                t.start();
                writers.add(t);
                maxRss.accumulateAndGet(rssKib(serve.pid()), Math::max);
            }
            Poll.until(Duration.ofSeconds(20), ADMITTED + " payloads all but received", () -> {
                maxRss.accumulateAndGet(rssKib(serve.pid()), Math::max);
                return fullySent.get() >= ADMITTED;
            });

            try (RawNbdClient other = RawNbdClient.attach(port, "disk")) {
                other.request(0, NBD_CMD_READ, 1, 0, 4096, null);
                assertThat(other.readSimpleReply(4096).error()).as("READ while 40 writes stall").isZero();
                other.request(0, NBD_CMD_FLUSH, 2, 0, 0, null);
                assertThat(other.readSimpleReply(0).error()).as("FLUSH while 40 writes stall").isZero();
            }
            maxRss.accumulateAndGet(rssKib(serve.pid()), Math::max);
            assertThat(maxRss.get()).as("ferry serve's highest VmRSS (KiB) with 40 stalled 32 MiB writes")
                    .isLessThan(RSS_LIMIT_KIB);
            assertThat(fullySent.get()).as("writes the server read on while the budget was full").isLessThan(CLIENTS);
            assertThat(serve.isAlive()).isTrue();

            boolean capable = IoFlusherThreads.hasCapSysResource();
            for (String prefix : List.of("ferry-nbd-io", "ferry-io-")) {
                List<Path> threads = IoFlusherThreads.threads(serve.pid(), prefix);
                assertThat(threads).as(prefix + " threads of ferry serve").isNotEmpty();
                for (Path t : threads) {
                    assertThat(IoFlusherThreads.isIoFlusher(IoFlusherThreads.taskFlags(t)))
                            .as(t + " marked as I/O flusher, with CAP_SYS_RESOURCE=" + capable).isEqualTo(capable);
                }
            }
        } finally {
            stalled.forEach(RawNbdClient::close);
            for (Thread t : writers) {
                t.join(10_000);
            }
        }
    }

    /** VmRSS of process {@code pid} in KiB, from /proc/PID/status. */
    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new AssertionError("no VmRSS in /proc/" + pid + "/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
