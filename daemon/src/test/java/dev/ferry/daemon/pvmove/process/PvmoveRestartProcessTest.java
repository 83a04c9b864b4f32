package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lvm2's pvmove-restart and pvmove-resume-1/2/multiseg through a real daemon killed with -9 mid-move, in both
 * modes: the pvmove LV is still in the metadata after the restart, the daemon resumes every move by itself, a
 * bare {@code ferry pvmove} follows them to the end (or an abort ends one), and the data is intact.
 */
class PvmoveRestartProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;
    private MoveApi api;

    private List<String> vg(String name, int pvs) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < pvs; i++) {
            paths.add(dir.resolve(name + "-pv" + i).toString());
        }
        List<String> args = new ArrayList<>(List.of("pvcreate", "--size", "32m"));
        args.addAll(paths);
        daemon.cliOk(args.toArray(String[]::new));
        args = new ArrayList<>(List.of("vgcreate", "-s", "1M", name));
        args.addAll(paths);
        daemon.cliOk(args.toArray(String[]::new));
        return paths;
    }

    private String lv(String vg, String name, String size, String pv) {
        daemon.cliOk("lvcreate", "-n", name, "-L", size, vg, pv);
        return LvData.fill(daemon, vg + "/" + name, name.hashCode());
    }

    private void startMove(boolean atomic, String... args) {
        List<String> all = new ArrayList<>(List.of("pvmove", "-b", "--rate", "1M"));
        if (atomic) {
            all.add("--atomic");
        }
        all.addAll(List.of(args));
        daemon.cliOk(all.toArray(String[]::new));
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void afterAKillTheMoveIsStillInTheMetadataResumesByItselfAndAborts(boolean atomic) {
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        List<String> pvs = vg("vg", 2);
        String sum = lv("vg", "lv", "8M", pvs.get(0));
        startMove(atomic, pvs.get(0), pvs.get(1));
        Poll.until(TIMEOUT, "some progress", () -> api.percent() > 0);
        daemon.kill9();
        daemon.startAgain();
        String lvs = daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name,lv_attr,move_pv", "vg").out();
        assertThat(lvs).containsPattern("\\[pvmove0\\]\\s+p");
        assertThat(api.active()).as("the daemon resumed the move").hasSize(1);
        assertThat(api.active().get(0).path("atomic").asBoolean()).isEqualTo(atomic);
        daemon.cliOk("pvmove", "--abort", pvs.get(0));
        assertThat(LvData.sha256(daemon, "vg/lv")).isEqualTo(sum);
        if (atomic) {
            assertThat(api.devices("vg/lv")).containsExactly(pvs.get(0));
        }
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        assertThat(daemon.stop()).isZero();
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void interruptedMovesInTwoVgsWithSeveralLvsAndSegmentsAllFinishUnderABarePvmove(boolean atomic) {
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        // resume-1: one LV in vg1; resume-2: two LVs on one PV under one pvmove in vg2;
        // resume-multiseg: a three-segment LV and a second move in vg2.
        List<String> one = vg("vg1", 2);
        List<String> two = vg("vg2", 4);
        Map<String, String> sums = new java.util.LinkedHashMap<>();
        sums.put("vg1/a", lv("vg1", "a", "6M", one.get(0)));
        sums.put("vg2/b", lv("vg2", "b", "3M", two.get(0)));
        sums.put("vg2/c", lv("vg2", "c", "3M", two.get(0)));
        daemon.cliOk("lvcreate", "-n", "m", "-L", "2M", "vg2", two.get(2) + ":0-1");
        daemon.cliOk("lvcreate", "-n", "gap", "-L", "1M", "vg2", two.get(2) + ":2");
        daemon.cliOk("lvextend", "-L", "+2M", "vg2/m", two.get(2) + ":3-4");
        daemon.cliOk("lvcreate", "-n", "gap2", "-L", "1M", "vg2", two.get(2) + ":5");
        daemon.cliOk("lvextend", "-L", "+2M", "vg2/m", two.get(2) + ":6-7");
        sums.put("vg2/m", LvData.fill(daemon, "vg2/m", 3));
        startMove(atomic, one.get(0), one.get(1));
        startMove(atomic, two.get(0), two.get(1));
        startMove(atomic, "-n", "m", two.get(2), two.get(3));
        Poll.until(TIMEOUT, "three moves with progress", () -> api.active().size() == 3
                && api.active().stream().allMatch(m -> m.path("percent").asDouble() > 0));
        daemon.kill9();
        daemon.startAgain();
        // A move with little left can finish while a loaded machine still waits for the restarted daemon's health,
        // so every move must have resumed: running still, or completed since.
        assertThat(api.moves()).as("every move resumed after the restart").hasSize(3).allSatisfy(m -> {
            assertThat(m.path("state").asText()).as("state of %s", m.path("source")).isNotEqualTo("FAILED");
            assertThat(m.path("rate_limit").asLong()).as("persisted rate of %s", m.path("source")).isEqualTo(1L << 20);
        });
        CliResult bare = daemon.cliOk("pvmove", "-i", "0");
        assertThat(bare.out()).contains("Moved: 100.0%");
        assertThat(api.active()).isEmpty();
        assertThat(api.devices("vg1/a")).containsExactly(one.get(1));
        assertThat(api.devices("vg2/b")).containsExactly(two.get(1));
        assertThat(api.devices("vg2/c")).containsExactly(two.get(1));
        assertThat(api.devices("vg2/m")).containsExactly(two.get(3));
        assertThat(api.devices("vg2/gap")).containsExactly(two.get(2));
        sums.forEach((lv, sum) -> assertThat(LvData.sha256(daemon, lv)).as(lv).isEqualTo(sum));
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        assertThat(daemon.stop()).isZero();
    }
}
