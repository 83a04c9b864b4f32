package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lvm2's pvmove scenarios ({@code reference/lvm.md} §3: basic, single, abort, abort-all, background, lvs, all
 * segment types, range overflow) through {@code ferry pvmove} against one real daemon, each in its own VG of
 * 1 MiB extents, in both modes where they differ. Every move is checked for intact data (SHA-256 over NBD), the
 * LVs' placement, and that no pvmove LV is left.
 */
class PvmoveScenariosProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final AtomicInteger VGS = new AtomicInteger();

    @RegisterExtension
    static final ChildProcesses<FerryDaemon> DAEMONS = new ChildProcesses<>(true);

    @TempDir
    static Path dir;

    private static FerryDaemon daemon;
    private static MoveApi api;

    /** A VG of three 32 MiB PVs. */
    private record Vg(String name, String a, String b, String c) {
        String lv(String lv) {
            return name + "/" + lv;
        }
    }

    @BeforeAll
    static void startDaemon() {
        daemon = DAEMONS.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
    }

    @AfterEach
    void noMoveLeftRunning() {
        if (!api.active().isEmpty()) {
            api.abort(null);
            throw new AssertionError("a test left a move running");
        }
    }

    private static Vg vg() {
        String name = "vg" + VGS.incrementAndGet();
        List<String> pvs = new ArrayList<>();
        for (String p : List.of("a", "b", "c")) {
            pvs.add(dir.resolve(name + p).toString());
        }
        daemon.cliOk("pvcreate", "--size", "32m", pvs.get(0), pvs.get(1), pvs.get(2));
        daemon.cliOk("vgcreate", "-s", "1M", name, pvs.get(0), pvs.get(1), pvs.get(2));
        return new Vg(name, pvs.get(0), pvs.get(1), pvs.get(2));
    }

    private static String lv(Vg vg, String name, String size, String... pvs) {
        List<String> args = new ArrayList<>(List.of("lvcreate", "-n", name, "-L", size, vg.name()));
        args.addAll(List.of(pvs));
        daemon.cliOk(args.toArray(String[]::new));
        return LvData.fill(daemon, vg.lv(name), name.hashCode());
    }

    private static CliResult pvmove(boolean atomic, String... args) {
        List<String> all = new ArrayList<>(List.of("pvmove", "-i", "0"));
        if (atomic) {
            all.add("--atomic");
        }
        all.addAll(List.of(args));
        return daemon.cli(all.toArray(String[]::new));
    }

    private static void assertData(Vg vg, String lv, String sha) {
        assertThat(LvData.sha256(daemon, vg.lv(lv))).as("data of %s", vg.lv(lv)).isEqualTo(sha);
    }

    private static void assertNoMoveLeft(Vg vg) {
        assertThat(daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name", vg.name()).out()).doesNotContain("pvmove");
    }

    // ------------------------------------------------------------------ pvmove-basic

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void nameMovesOnlyThatLv(boolean atomic) {
        Vg vg = vg();
        String one = lv(vg, "one", "4M", vg.a());
        String two = lv(vg, "two", "4M", vg.a());
        CliResult r = pvmove(atomic, "-n", "one", vg.a(), vg.b()).assertOk();
        assertThat(r.out()).contains("Moved: 100.0%");
        assertThat(api.devices(vg.lv("one"))).containsExactly(vg.b());
        assertThat(api.devices(vg.lv("two"))).containsExactly(vg.a());
        assertData(vg, "one", one);
        assertData(vg, "two", two);
        assertNoMoveLeft(vg);
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void everyLvOnTheSourceMovesWhenNoDestinationIsNamed(boolean atomic) {
        Vg vg = vg();
        List<String> sums = List.of(lv(vg, "l1", "3M", vg.a()), lv(vg, "l2", "5M", vg.a()), lv(vg, "l3", "2M", vg.a()));
        pvmove(atomic, vg.a()).assertOk();
        for (int i = 0; i < 3; i++) {
            assertThat(api.devices(vg.lv("l" + (i + 1)))).doesNotContain(vg.a()).isNotEmpty();
            assertData(vg, "l" + (i + 1), sums.get(i));
        }
        assertNoMoveLeft(vg);
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void eachSegmentOfAThreeSegmentLvMovesByItsPeRange(boolean atomic) {
        Vg vg = vg();
        daemon.cliOk("lvcreate", "-n", "seg", "-L", "2M", vg.name(), vg.a() + ":0-1");
        daemon.cliOk("lvextend", "-L", "+2M", vg.lv("seg"), vg.a() + ":4-5");
        daemon.cliOk("lvextend", "-L", "+2M", vg.lv("seg"), vg.a() + ":8-9");
        String sum = LvData.fill(daemon, vg.lv("seg"), 7);
        pvmove(atomic, vg.a() + ":4-5", vg.b()).assertOk();
        assertThat(api.devices(vg.lv("seg"))).containsExactlyInAnyOrder(vg.a(), vg.b());
        pvmove(atomic, vg.a() + ":0-1", vg.b()).assertOk();
        pvmove(atomic, vg.a() + ":8-8", vg.c()).assertOk();
        assertThat(api.devices(vg.lv("seg"))).containsExactlyInAnyOrder(vg.a(), vg.b(), vg.c());
        pvmove(atomic, vg.a(), vg.c()).assertOk();
        assertThat(api.devices(vg.lv("seg"))).containsExactlyInAnyOrder(vg.b(), vg.c());
        assertData(vg, "seg", sum);
        assertNoMoveLeft(vg);
    }

    @Test
    void theDestinationMayBeSplitIntoRanges() {
        Vg vg = vg();
        String sum = lv(vg, "lv", "7M", vg.a());
        pvmove(false, vg.a(), vg.b() + ":0-1", vg.b() + ":10-11", vg.c() + ":3-4:20-20").assertOk();
        assertThat(api.devices(vg.lv("lv"))).containsExactlyInAnyOrder(vg.b(), vg.c());
        String segs = daemon.cliOk("lvs", "--segments", "--noheadings", "-o", "devices", vg.lv("lv")).out();
        assertThat(segs).contains(vg.b() + "(0)").contains(vg.b() + "(10)").contains(vg.c() + "(3)")
                .contains(vg.c() + "(20)");
        assertData(vg, "lv", sum);
    }

    // ------------------------------------------------------------------ all segment types

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aStripeAndAMirrorLegMoveAndTheOtherLvSharingThePvMovesByName(boolean atomic) {
        Vg vg = vg();
        daemon.cliOk("lvcreate", "-n", "striped", "--type", "striped", "-i", "2", "-I", "64k", "-L", "4M", vg.name(),
                vg.a(), vg.b());
        String striped = LvData.fill(daemon, vg.lv("striped"), 1);
        daemon.cliOk("lvcreate", "-n", "mirror", "--type", "mirror", "-m", "1", "-L", "4M", vg.name(), vg.a(), vg.b(),
                vg.c());
        String mirror = LvData.fill(daemon, vg.lv("mirror"), 2);
        String linear = lv(vg, "linear", "2M", vg.a());
        pvmove(atomic, "-n", "striped", vg.a(), vg.c()).assertOk();
        assertThat(api.devices(vg.lv("striped"))).containsExactlyInAnyOrder(vg.b(), vg.c());
        pvmove(atomic, vg.a(), vg.c()).assertOk();
        assertThat(api.devices(vg.lv("mirror"))).containsExactlyInAnyOrder(vg.b(), vg.c());
        assertThat(api.devices(vg.lv("linear"))).containsExactly(vg.c());
        assertData(vg, "striped", striped);
        assertData(vg, "mirror", mirror);
        assertData(vg, "linear", linear);
        assertNoMoveLeft(vg);
    }

    // ------------------------------------------------------------------ pvmove-single, policies

    @Test
    void withAllocAnywhereExtentsMoveWithinOnePv() {
        Vg vg = vg();
        String sum = lv(vg, "lv", "8M", vg.a() + ":12-19");
        CliResult normal = pvmove(false, vg.a() + ":12-19", vg.a());
        assertThat(normal.exit()).as(normal.describe()).isNotZero();
        assertThat(normal.err()).contains("SAME_PV");
        pvmove(false, "--alloc", "anywhere", vg.a() + ":12-19", vg.a()).assertOk();
        String segs = daemon.cliOk("lvs", "--segments", "--noheadings", "-o", "devices", vg.lv("lv")).out();
        assertThat(segs).contains(vg.a()).doesNotContain(vg.a() + "(12)");
        assertData(vg, "lv", sum);
        assertNoMoveLeft(vg);
    }

    // ------------------------------------------------------------------ refusals, pv-range-overflow

    @Test
    void refusalsNameTheirErrorAndLeaveTheMetadataAlone() {
        Vg vg = vg();
        lv(vg, "big", "20M", vg.a());
        lv(vg, "filler", "20M", vg.b());
        String before = daemon.cliOk("lvs", "-a", "--segments", "-o", "lv_name,devices", vg.name()).out();
        assertRefused(pvmove(false, vg.c(), vg.a()), "NOTHING_TO_MOVE");
        assertRefused(pvmove(false, vg.a(), vg.b()), "INSUFFICIENT_SPACE");
        assertRefused(pvmove(false, vg.a(), vg.a()), "SAME_PV");
        assertRefused(pvmove(false, "--alloc", "anywhere", vg.a() + ":0-9", vg.a() + ":5-15"), "OVERLAPPING_RANGES");
        assertRefused(pvmove(false, "-n", "nosuchlv", vg.a(), vg.c()), "LV_NOT_FOUND");
        assertRefused(pvmove(false, vg.a() + ":4294967296", vg.c()), "INVALID_ARGUMENT");
        assertRefused(pvmove(false, vg.a() + ":3-1", vg.c()), "INVALID_ARGUMENT");
        assertRefused(pvmove(false, dir.resolve("nopv").toString(), vg.c()), "PV_NOT_FOUND");
        assertThat(daemon.cliOk("lvs", "-a", "--segments", "-o", "lv_name,devices", vg.name()).out()).isEqualTo(before);
    }

    private static void assertRefused(CliResult r, String error) {
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.err()).as(r.describe()).contains(error);
    }

    // ------------------------------------------------------------------ background, lvs, abort, abort-all

    @Test
    void aBackgroundMoveReturnsAtOnceAndCompletes() {
        Vg vg = vg();
        String sum = lv(vg, "lv", "8M", vg.a());
        CliResult r = daemon.cliOk("pvmove", "-b", "--rate", "1M", vg.a(), vg.b());
        assertThat(r.out()).contains("in the background");
        assertThat(api.active()).hasSize(1);
        daemon.cliOk("pvmove", "--rate", "0", vg.a()); // 0 = unlimited: the rest goes at full speed
        api.awaitIdle(TIMEOUT);
        assertThat(api.devices(vg.lv("lv"))).containsExactly(vg.b());
        assertData(vg, "lv", sum);
        assertNoMoveLeft(vg);
        assertThat(daemon.cliOk("pvmove").out()).contains("No pvmove in progress.");
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void lvsShowsTheMoveOfAFiveSegmentLvAndAbortKeepsTheData(boolean atomic) {
        Vg vg = vg();
        daemon.cliOk("lvcreate", "-n", "five", "-L", "2M", vg.name(), vg.a() + ":0-1");
        for (int pe = 3; pe < 15; pe += 3) {
            daemon.cliOk("lvextend", "-L", "+2M", vg.lv("five"), vg.a() + ":" + pe + "-" + (pe + 1));
        }
        String sum = LvData.fill(daemon, vg.lv("five"), 5);
        List<String> args = new ArrayList<>(List.of("pvmove", "-b", "--rate", "1M"));
        if (atomic) {
            args.add("--atomic");
        }
        args.addAll(List.of(vg.a(), vg.b()));
        daemon.cliOk(args.toArray(String[]::new));
        String lvs = daemon.cliOk("lvs", "-a", "-o", "lv_name,lv_attr,move_pv,copy_percent", vg.name()).out();
        assertThat(lvs).contains("[pvmove0]").contains(vg.a());
        assertThat(lvs.lines().filter(l -> l.contains("[pvmove0]")).findFirst().orElseThrow())
                .matches(".*\\[pvmove0\\]\\s+p\\S*\\s+" + java.util.regex.Pattern.quote(vg.a()) + "\\s+\\d+\\.\\d\\d\\s*");
        daemon.cliOk("pvmove", "--rate", "2M", vg.a());
        assertThat(api.active().get(0).path("rate_limit").asLong()).as("rate limit after the change").isEqualTo(2L << 20);
        CliResult abort = daemon.cliOk("pvmove", "--abort", vg.a());
        assertThat(abort.out()).contains("ABORTED");
        if (atomic) {
            assertThat(api.devices(vg.lv("five"))).containsExactly(vg.a());
        } else {
            assertThat(api.devices(vg.lv("five"))).contains(vg.a());
        }
        assertData(vg, "five", sum);
        assertNoMoveLeft(vg);
    }

    @Test
    void abortOfOneSourceLeavesTheOtherMoveRunningAndABareAbortEndsTheRest() throws Exception {
        Vg vg = vg();
        String one = lv(vg, "one", "6M", vg.a());
        String two = lv(vg, "two", "6M", vg.b());
        CompletableFuture<CliResult> foreground = daemon.cliAsync("pvmove", "-i", "1", "--rate", "1M", vg.a(), vg.c());
        daemon.cliOk("pvmove", "-b", "--rate", "1M", vg.b(), vg.c());
        dev.ferry.daemon.testing.Poll.until(TIMEOUT, "two moves", () -> api.active().size() == 2);
        daemon.cliOk("pvmove", "--abort", vg.a());
        CliResult fg = foreground.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(fg.exit()).as(fg.describe()).isZero();
        assertThat(fg.out()).contains("aborted");
        assertThat(api.active()).hasSize(1);
        assertThat(api.active().get(0).path("source").asText()).isEqualTo(vg.b());
        daemon.cliOk("pvmove", "--abort");
        assertThat(api.active()).isEmpty();
        assertData(vg, "one", one);
        assertData(vg, "two", two);
        assertNoMoveLeft(vg);
    }

    @Test
    void aBareAbortEndsThreeMovesInTwoVgs() {
        Vg first = vg();
        Vg second = vg();
        String a1 = lv(first, "x", "6M", first.a());
        String b1 = lv(first, "y", "6M", first.b());
        String a2 = lv(second, "z", "6M", second.a());
        lv(second, "w", "2M", second.a());
        daemon.cliOk("pvmove", "-b", "--rate", "1M", first.a(), first.c());
        daemon.cliOk("pvmove", "-b", "--rate", "1M", first.b(), first.c());
        daemon.cliOk("pvmove", "-b", "--rate", "1M", "-n", "z", second.a(), second.b());
        assertThat(api.active()).hasSize(3);
        daemon.cliOk("pvmove", "--abort");
        assertThat(api.active()).isEmpty();
        assertData(first, "x", a1);
        assertData(first, "y", b1);
        assertData(second, "z", a2);
        assertNoMoveLeft(first);
        assertNoMoveLeft(second);
        assertThat(api.devices(second.lv("w"))).containsExactly(second.a());
    }
}
