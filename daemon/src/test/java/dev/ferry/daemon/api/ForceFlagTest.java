package dev.ferry.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.testing.CliResult;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands' {@code -f} and {@code -a} reach the activation layer's parameters: a recording proxy over the
 * real manager's operations notes every force-carrying call.
 */
class ForceFlagTest {
    @TempDir
    Path dir;

    /**
     * Forwards to {@code real} (except activation, which the manager-only operations refuse) and records each call
     * with a trailing boolean (force) as "METHOD SUBJECT force=B", the subject being the call's last string argument
     * or its resize request's LV.
     */
    private static VolumeOperations recording(VolumeOperations real, List<String> calls) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("activate")) {
                calls.add("activate " + args[1]);
                return null;
            }
            if (args != null && args[args.length - 1] instanceof Boolean force) {
                calls.add(method.getName() + " " + subject(args) + " force=" + force);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (VolumeOperations) Proxy.newProxyInstance(VolumeOperations.class.getClassLoader(),
                new Class<?>[] {VolumeOperations.class}, handler);
    }

    private static String subject(Object[] args) {
        String last = null;
        for (Object arg : args) {
            if (arg instanceof LvResizeRequest request) {
                return request.lv();
            }
            if (arg instanceof String name) {
                last = name;
            }
        }
        return last;
    }

    @Test
    void forceAndActivationFlagsArriveAsGiven() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        try (ApiFixture f = new ApiFixture(dir, Duration.ofSeconds(5), ops -> recording(ops, calls))) {
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
            assertThat(calls).containsExactly("pvcreate " + a + " force=false", "lvresize lv force=false",
                "lvresize lv force=true", "lvreduce lv force=true", "lvrename lw force=false", "lvrename lv force=true",
                "activate lv",
                "deactivate lv force=false", "deactivate lv force=true", "lvremove lv force=true",
                "vgremove vg force=false");
        }
    }
}
