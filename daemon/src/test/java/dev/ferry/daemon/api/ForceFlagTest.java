package dev.ferry.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.testing.CliResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands' {@code -f} and {@code -a} reach the activation layer's parameters: a recording decorator
 * over the real manager's operations notes every force-carrying call.
 */
class ForceFlagTest {
    @TempDir
    Path dir;

    /** Forwards to the real operations and records the force-carrying calls. */
    private static final class Recording implements VolumeOperations {
        final List<String> calls = new CopyOnWriteArrayList<>();
        private final VolumeOperations real;

        Recording(VolumeOperations real) {
            this.real = real;
        }

        @Override
        public PvInfo pvcreate(String path, Long size, boolean force) {
            return real.pvcreate(path, size, force);
        }

        @Override
        public void pvremove(String path) {
            real.pvremove(path);
        }

        @Override
        public VolumeGroup vgcreate(String name, List<String> pvPaths, Long extentSize) {
            return real.vgcreate(name, pvPaths, extentSize);
        }

        @Override
        public VolumeGroup vgextend(String vgName, List<String> pvPaths) {
            return real.vgextend(vgName, pvPaths);
        }

        @Override
        public VolumeGroup vgreduce(String vgName, List<String> pvPaths) {
            return real.vgreduce(vgName, pvPaths);
        }

        @Override
        public void vgremove(String vgName, boolean force) {
            calls.add("vgremove " + vgName + " force=" + force);
            real.vgremove(vgName, force);
        }

        @Override
        public LogicalVolume lvcreate(LvCreateRequest request) {
            return real.lvcreate(request);
        }

        @Override
        public LogicalVolume lvextend(LvResizeRequest request) {
            return real.lvextend(request);
        }

        @Override
        public LogicalVolume lvreduce(LvResizeRequest request, boolean force) {
            calls.add("lvreduce " + request.lv() + " force=" + force);
            return real.lvreduce(request, force);
        }

        @Override
        public LogicalVolume lvresize(LvResizeRequest request, boolean force) {
            calls.add("lvresize " + request.lv() + " force=" + force);
            return real.lvresize(request, force);
        }

        @Override
        public void lvremove(String vgName, String lvName, boolean force) {
            calls.add("lvremove " + lvName + " force=" + force);
            real.lvremove(vgName, lvName, force);
        }

        @Override
        public LogicalVolume lvconvert(String vgName, String lvName, int mirrors,
                MirrorWriteConsistency mwc, AllocationPolicy alloc,
                List<String> pvs) {
            return real.lvconvert(vgName, lvName, mirrors, mwc, alloc, pvs);
        }

        @Override
        public VolumeGroup vgreduceMissing(String vgName, boolean force) {
            calls.add("vgreduce --removemissing force=" + force);
            return real.vgreduceMissing(vgName, force);
        }

        @Override
        public LogicalVolume lvconvertMirrorLog(String vgName, String lvName, MirrorLogType type,
                                                AllocationPolicy alloc) {
            return real.lvconvertMirrorLog(vgName, lvName, type, alloc);
        }

        @Override
        public LogicalVolume lvchangeMwc(String vgName, String lvName, MirrorWriteConsistency mwc) {
            return real.lvchangeMwc(vgName, lvName, mwc);
        }

        @Override
        public LogicalVolume lvchangeRecoveryRate(String vgName, String lvName, long bytesPerSecond) {
            return real.lvchangeRecoveryRate(vgName, lvName, bytesPerSecond);
        }

        @Override
        public LogicalVolume lvrepair(String vgName, String lvName, List<String> pvs) {
            return real.lvrepair(vgName, lvName, pvs);
        }

        @Override
        public LogicalVolume lvrename(String vgName, String oldName, String newName, boolean force) {
            calls.add("lvrename " + oldName + " force=" + force);
            return real.lvrename(vgName, oldName, newName, force);
        }

        @Override
        public void activate(String vgName, String lvName, ActivationMode mode) {
            calls.add("activate " + lvName);
        }

        @Override
        public void deactivate(String vgName, String lvName, boolean force) {
            calls.add("deactivate " + lvName + " force=" + force);
            real.deactivate(vgName, lvName, force);
        }

        @Override
        public Report pvs(ReportOptions options) {
            return real.pvs(options);
        }

        @Override
        public Report vgs(ReportOptions options) {
            return real.vgs(options);
        }

        @Override
        public Report lvs(ReportOptions options) {
            return real.lvs(options);
        }
    }

    @Test
    void forceAndActivationFlagsArriveAsGiven() throws Exception {
        Recording[] recording = new Recording[1];
        try (ApiFixture f = new ApiFixture(dir, Duration.ofSeconds(5), ops -> recording[0] = new Recording(ops))) {
            String a = f.path("a.img");
            assertThat(f.run("pvcreate", "--size", "32m", a).exit()).isZero();
            assertThat(f.run("vgcreate", "vg", a).exit()).isZero();
            assertThat(f.run("lvcreate", "-n", "lv", "-l", "4", "vg").exit()).isZero();
            assertThat(f.run("lvresize", "-l", "5", "vg/lv").exit()).isZero();
            assertThat(f.run("lvresize", "-f", "-l", "-1", "vg/lv").exit()).isZero();
            assertThat(f.run("lvreduce", "-f", "-l", "3", "vg/lv").exit()).isZero();
            assertThat(f.run("lvrename", "vg", "lv", "lw").exit()).isZero();
            assertThat(f.run("lvrename", "-f", "vg/lw", "vg/lv").exit()).isZero();
            CliResult on = f.run("lvchange", "-ay", "vg/lv");
            assertThat(on.out() + on.err()).isEmpty();
            assertThat(on.exit()).isZero();
            assertThat(f.run("lvchange", "-a", "n", "vg/lv").exit()).isZero();
            assertThat(f.run("lvchange", "-an", "-f", "vg/lv").exit()).isZero();
            assertThat(f.run("lvremove", "-f", "vg/lv").exit()).isZero();
            assertThat(f.run("vgremove", "vg").exit()).isZero();
            assertThat(recording[0].calls).containsExactly("lvresize lv force=false", "lvresize lv force=true",
                "lvreduce lv force=true", "lvrename lv force=false", "lvrename lw force=true", "activate lv",
                "deactivate lv force=false", "deactivate lv force=true", "lvremove lv force=true",
                "vgremove vg force=false");
        }
    }
}
