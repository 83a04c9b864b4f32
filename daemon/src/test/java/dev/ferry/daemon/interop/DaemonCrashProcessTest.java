package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.daemon.metadata.FileMetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.SlotContent;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.mapper.testing.Seeds;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ferry daemon} process on temporary files, killed and restarted: after a kill -9 following each
 * mutating command the metadata is exactly the post-command state and the LVs' data is intact; a process death
 * right after the Nth metadata write of each of the 10 VG commits (the {@code ferry.test.crashAfterMetadataWrites}
 * hook; N drawn from a seeded RNG, the seed printed by {@link Seeds}, {@code -Dferry.seed} to replay) leaves the old or
 * the new VG, never a mix, with stale copies repaired at the next start; a corrupted slot and a zeroed metadata area
 * are repaired at start.
 */
class DaemonCrashProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String CRASH_HOOK = "-Dferry.test.crashAfterMetadataWrites=";
    private static final long SLOT_AREA = 4096;
    private static final long SLOT_SIZE = 256 * 1024;

    @RegisterExtension
    final ServeProcesses processes = new ServeProcesses();

    @TempDir
    Path dir;
    private Path run;
    private Path data;
    private DaemonChild daemon;
    /** Pattern byte written at 1 MiB..3 MiB of each live LV ({@code vg/lv}). */
    private final Map<String, Integer> patterns = new LinkedHashMap<>();

    /**
     * One mutating command; {@code commitPvs} is how many PVs its VG commit writes (0: not a VG commit), and
     * {@code after} updates the data the test expects (and writes patterns into new LVs).
     */
    private record Step(String label, int commitPvs, List<String> args, Consumer<DaemonCrashProcessTest> after) {
    }

    @BeforeEach
    void paths() {
        run = dir.resolve("run");
        data = run.resolve("data");
    }

    private String pv(int i) {
        return run.resolve("pv" + i).toString();
    }

    private List<Step> steps() {
        return List.of(
                step("pvcreate", 0, t -> { }, "pvcreate", "--size", "64M", pv(1), pv(2), pv(3)),
                step("vgcreate", 2, t -> { }, "vgcreate", "vg", pv(1), pv(2)),
                step("vgextend", 3, t -> { }, "vgextend", "vg", pv(3)),
                step("vgreduce", 3, t -> { }, "vgreduce", "vg", pv(3)),
                step("lvcreate linear", 2, t -> t.writePattern("vg/lin", 0x11), "lvcreate", "-n", "lin", "-L", "8M",
                        "vg"),
                step("lvcreate striped", 2, t -> t.writePattern("vg/str", 0x22), "lvcreate", "--type", "striped",
                        "-i", "2", "-I", "64k", "-n", "str", "-L", "16M", "vg"),
                step("lvcreate mirror", 2, t -> t.writePattern("vg/mir", 0x33), "lvcreate", "--type", "mirror", "-m",
                        "1", "--mirrorlog", "core", "-n", "mir", "-L", "8M", "vg"),
                step("lvextend", 2, t -> { }, "lvextend", "-L", "+8M", "vg/lin"),
                step("lvreduce -f", 2, t -> { }, "lvreduce", "-f", "-L", "8M", "vg/str"),
                step("lvrename", 2, t -> t.patterns.put("vg/lin2", t.patterns.remove("vg/lin")), "lvrename", "vg",
                        "lin", "lin2"),
                step("lvremove", 2, t -> t.patterns.remove("vg/mir"), "lvremove", "vg/mir"),
                step("vgremove", 0, t -> t.patterns.clear(), "vgremove", "-f", "vg"),
                step("pvremove", 0, t -> { }, "pvremove", pv(1), pv(2), pv(3)));
    }

    private static Step step(String label, int commitPvs, Consumer<DaemonCrashProcessTest> after, String... args) {
        return new Step(label, commitPvs, List.of(args), after);
    }

    @Test
    void killNineAfterEachMutatingCommandKeepsExactlyThePostCommandStateAndTheData() throws Exception {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Files.createDirectories(run);
        daemon = start();
        for (Step step : steps()) {
            apply(step);
            JsonNode before = snapshot();
            daemon.kill9();
            daemon = start();
            assertThat(snapshot()).as("metadata after kill -9 following %s", step.label()).isEqualTo(before);
            verifyPatterns(step.label());
        }
    }

    @Test
    void aProcessDeathInsideACommitLeavesTheOldOrTheNewVgAndRecoveryRepairsTheCopies() throws Exception {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        List<Step> steps = steps();
        Files.createDirectories(run);
        daemon = start();
        List<JsonNode> reference = new ArrayList<>();
        reference.add(withoutUuids(snapshot()));
        for (Step step : steps) {
            apply(step);
            reference.add(withoutUuids(snapshot()));
        }
        daemon.kill9();
        wipe(run);
        patterns.clear();
        Files.createDirectories(run);
        daemon = start();
        Random rng = new Random(Seeds.fresh());
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step.commitPvs() == 0) {
                apply(step);
                assertThat(withoutUuids(snapshot())).as(step.label()).isEqualTo(reference.get(i + 1));
                continue;
            }
            int n = 1 + rng.nextInt(step.commitPvs());
            String what = String.format("%s, crash after metadata write %d of %d", step.label(), n,
                    step.commitPvs());
            crashDuring(step, n, what);
            JsonNode after = withoutUuids(snapshot());
            assertThat(after).as(what + ": old or new VG").isIn(reference.get(i), reference.get(i + 1));
            if (n < step.commitPvs()) {
                assertThat(daemon.log()).as(what + ": a stale copy was repaired").contains("metadata recovery: ");
            }
            assertCopiesAgree(what);
            if (after.equals(reference.get(i))) {
                apply(step);
            } else {
                step.after().accept(this);
            }
            assertThat(withoutUuids(snapshot())).as(what).isEqualTo(reference.get(i + 1));
            verifyPatterns(what);
        }
    }

    @Test
    void aCorruptedSlotAndAZeroedMetadataAreaAreRepairedAtStart() throws Exception {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Files.createDirectories(run);
        daemon = start();
        for (Step step : steps().subList(0, 6)) {
            apply(step);
        }
        daemon.ferry("vgextend", "vg", pv(3)).assertSuccess();
        JsonNode before = snapshot();
        daemon.kill9();
        SlotContent newest = newest(pv(1)).orElseThrow();
        flipByte(Path.of(pv(1)), SLOT_AREA + newest.index() * SLOT_SIZE + 64 + 10);
        try (RandomAccessFile f = new RandomAccessFile(pv(2), "rw")) {
            f.seek(SLOT_AREA);
            f.write(new byte[(int) (2 * SLOT_SIZE)]);
        }
        assertThat(newest(pv(2))).isEmpty();

        daemon = start();
        assertThat(snapshot()).isEqualTo(before);
        verifyPatterns("after repair");
        assertThat(daemon.log()).contains("metadata recovery: ").contains(pv(1)).contains(pv(2));
        assertCopiesAgree("after repair");
    }

    // ---------------------------------------------------------------- helpers

    private DaemonChild start(String... jvmOptions) {
        return DaemonChild.start(processes, data, dir, jvmOptions);
    }

    private void apply(Step step) {
        daemon.ferry(step.args().toArray(String[]::new)).assertSuccess();
        step.after().accept(this);
    }

    /** Runs {@code step} on a daemon that dies right after metadata write {@code n}, then restarts without it. */
    private void crashDuring(Step step, int n, String what) {
        daemon.kill9();
        DaemonChild doomed = start(CRASH_HOOK + n);
        DaemonChild.Run r = doomed.ferry(step.args().toArray(String[]::new));
        assertThat(doomed.awaitExit()).as(what + ": the hook halts the daemon; ferry said " + r).isEqualTo(137);
        assertThat(r.exit()).as(what).isNotZero();
        daemon = start();
    }

    /** pvs, vgs and lvs (all LVs, per segment, in bytes) as JSON, without run-time state (attrs, sync%). */
    private JsonNode snapshot() {
        ObjectNode all = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        all.set("pvs", daemon.report("pvs", "--units", "b", "-o",
                "pv_name,vg_name,pv_size,pv_free,pv_uuid,pv_pe_count,pv_pe_alloc_count"));
        all.set("vgs", daemon.report("vgs", "--units", "b", "-o",
                "vg_name,pv_count,lv_count,vg_size,vg_free,vg_uuid,vg_extent_size,vg_seqno"));
        all.set("lvs", daemon.report("lvs", "-a", "--segments", "--units", "b", "-o",
                "lv_name,vg_name,lv_uuid,lv_size,segtype,stripes,stripe_size,region_size,seg_size,seg_start_pe,"
                        + "devices"));
        return all;
    }

    /** {@code node} without the random {@code *_uuid} fields, to compare runs of the same commands. */
    private static JsonNode withoutUuids(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
                if (it.next().endsWith("_uuid")) {
                    it.remove();
                }
            }
        }
        node.forEach(DaemonCrashProcessTest::strip);
    }

    private void writePattern(String lv, int pattern) {
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P " + pattern + " 1M 2M", daemon.uri(lv))
                .assertSuccess();
        patterns.put(lv, pattern);
    }

    private void verifyPatterns(String what) {
        patterns.forEach((lv, pattern) -> assertThat(ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c",
                "read -P " + pattern + " 1M 2M", daemon.uri(lv)).assertSuccess().stdout())
                .as("%s: data of %s", what, lv).contains("read 2097152/2097152 bytes at offset 1048576")
                .doesNotContain("Pattern verification failed"));
    }

    /**
     * Every PV of every VG holds that VG's current copy (seqno as reported) and no corrupt slot: recovery has
     * repaired what the crash left stale.
     */
    private void assertCopiesAgree(String what) throws IOException {
        JsonNode vgs = daemon.report("vgs", "-o", "vg_name,vg_seqno").at("/report/0/vg");
        for (JsonNode pv : daemon.report("pvs", "-o", "pv_name,vg_name").at("/report/0/pv")) {
            String vg = pv.get("vg_name").asText();
            String path = pv.get("pv_name").asText();
            if (vg.isEmpty()) {
                assertThat(newest(path)).as("%s: orphan %s holds no VG copy", what, path).isEmpty();
                continue;
            }
            long seqno = -1;
            for (JsonNode v : vgs) {
                if (v.get("vg_name").asText().equals(vg)) {
                    seqno = v.get("vg_seqno").asLong();
                }
            }
            assertThat(newest(path).map(SlotContent::seqno)).as("%s: copy of %s on %s", what, vg, path)
                    .contains(seqno);
            assertThat(slots(path)).as("%s: slots of %s", what, path).noneMatch(s -> s.state()
                    == SlotContent.State.CORRUPT);
        }
    }

    private static Optional<SlotContent> newest(String path) throws IOException {
        return slots(path).stream().filter(s -> s.state() == SlotContent.State.VALID)
                .max(java.util.Comparator.comparingLong(SlotContent::seqno));
    }

    private static List<SlotContent> slots(String path) throws IOException {
        FileMetadataDevice device = FileMetadataDevice.open(Path.of(path));
        Optional<PvDisk> disk = PvDisk.read(Path.of(path), device);
        if (disk.isEmpty()) {
            device.close();
            throw new AssertionError(path + " has no Ferry label");
        }
        try (PvDisk d = disk.get()) {
            return d.slots();
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0xff);
        }
    }

    private static void wipe(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            for (Path p : new TreeSet<>(files.toList()).descendingSet()) {
                Files.delete(p);
            }
        }
    }
}
