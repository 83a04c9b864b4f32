package dev.ferry.mapper.sim;

import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.testing.Seeds;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded simulation: reads, writes and zeroing on a device stacked over another race live swaps of
 * both devices' tables (the lower one between data-equivalent layouts on two leaves, copied while
 * suspended; the upper one between equivalent segmentations), suspend timeouts, and leaf completions
 * in seed-chosen order. See {@link SimulationHarness} for the invariants.
 */
class MappedDeviceSimulationTest {

    private static final int STEPS = 400;

    /** Layouts of 512 sectors over leaves /L1 and /L2 (2048 sectors each), physically disjoint. */
    private static final List<String> LOWER = List.of(
            "0 512 linear /L1 0",
            "0 512 linear /L2 1024",
            "0 512 striped 2 8 /L1 600 /L2 0",
            "0 256 linear /L2 300\n256 256 linear /L1 1200",
            "0 512 striped 4 16 /L1 1500 /L2 1600 /L1 1800 /L2 1800");

    /** Equivalent segmentations of the upper device over {@code lower}. */
    private static final List<String> TOP = List.of(
            "0 512 linear lower 0",
            "0 200 linear lower 0\n200 312 linear lower 200",
            "0 8 linear lower 0\n8 1 linear lower 8\n9 503 linear lower 9");

    static LongStream seeds() {
        return Seeds.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ioRacingTableSwapsLosesAndReordersNothing(long seed) {
        SimulationHarness sim = new SimulationHarness(seed);
        sim.addLeaf("/L1", 2048);
        sim.addLeaf("/L2", 2048);
        MappedDevice lower = sim.createDevice("lower", LOWER.get(0));
        MappedDevice top = sim.createDevice("top", TOP.get(0));
        sim.front();
        int lowerLayout = 0;
        int topLayout = 0;
        for (int i = 0; i < STEPS; i++) {
            sim.nextStep();
            int r = sim.random().nextInt(100);
            if (r < 25) {
                sim.issueWrite();
            } else if (r < 45) {
                sim.issueRead();
            } else if (r < 48) {
                sim.issueZeroes();
            } else if (r < 88) {
                sim.completeLeafOp();
            } else if (r < 93) {
                if (!sim.swapping(lower)) {
                    lowerLayout = (lowerLayout + 1 + sim.random().nextInt(LOWER.size() - 1)) % LOWER.size();
                    sim.startSwap(lower, LOWER.get(lowerLayout), true, timeout(sim));
                }
            } else if (r < 97) {
                if (!sim.swapping(top)) {
                    topLayout = (topLayout + 1 + sim.random().nextInt(TOP.size() - 1)) % TOP.size();
                    sim.startSwap(top, TOP.get(topLayout), false, timeout(sim));
                }
            } else {
                sim.advanceTime(Duration.ofMillis(20));
            }
            sim.pump();
            sim.check();
        }
        sim.finish();
    }

    private static Duration timeout(SimulationHarness sim) {
        return sim.random().nextInt(4) == 0 ? Duration.ofMillis(50) : Duration.ofHours(1);
    }
}
