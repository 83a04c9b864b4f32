package dev.ferry.mapper.sim;

import dev.ferry.mapper.device.DeviceEvent;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.testing.Bytes;
import dev.ferry.mapper.testing.Seeds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded simulation of pvmove's table sequence under I/O: a device stacked under a front device moves
 * again and again from one leaf to the other as {@code linear(src)} → {@code mirror(src, dst)} →
 * (recovery) → {@code linear(dst)}, each step a suspend/resume or a live replace (seed's choice), while reads,
 * writes and zeroing race the swaps, mirror reloads
 * (which restart recovery), segmentation swaps of the front device, suspend timeouts, and leaf
 * completions in seed-chosen order. Besides the {@link SimulationHarness} invariants (except arrival
 * order at the leaves, which a recovering mirror changes on purpose; every read equals
 * the byte model, so no read mixes two tables or sees a lost write), each move checks that recovery
 * ended IN_SYNC with every region counted and that both legs hold identical bytes before the mirror is
 * replaced by {@code linear(dst)}; the final full read then comes from the last destination alone.
 */
class PvmoveSimulationTest {

    private static final int STEPS = 400;
    private static final long SECTORS = 512;
    private static final long LEAF_SECTORS = 2048;
    private static final List<String> TOP = List.of(
            "0 512 linear lv 0",
            "0 136 linear lv 0\n136 376 linear lv 136");

    /** Where the volume lives (leaf, sector) and, while moving, where it goes. */
    private record Move(String src, long srcSector, String dst, long dstSector, long regionSectors) {
        String linearSource() {
            return "0 " + SECTORS + " linear " + src + " " + srcSector;
        }

        String mirror() {
            return "0 " + SECTORS + " mirror core 1 " + regionSectors + " 2 " + src + " " + srcSector + " " + dst
                    + " " + dstSector;
        }

        String linearDestination() {
            return "0 " + SECTORS + " linear " + dst + " " + dstSector;
        }
    }

    static LongStream seeds() {
        return Seeds.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void volumeMovesBetweenLeavesUnderIo(long seed) {
        SimulationHarness sim = new SimulationHarness(seed);
        sim.ignoreArrivalOrder();
        sim.addLeaf("/A", LEAF_SECTORS);
        sim.addLeaf("/B", LEAF_SECTORS);
        Move move = nextMove(sim, "/A", 8 * sim.random().nextInt(20));
        MappedDevice lv = sim.createDevice("lv", move.linearSource());
        MappedDevice top = sim.createDevice("top", TOP.get(0));
        sim.front();
        List<DeviceEvent> events = new ArrayList<>();
        lv.addListener(events::add);
        int topLayout = 0;
        for (int i = 0; i < STEPS; i++) {
            sim.nextStep();
            int r = sim.random().nextInt(100);
            if (r < 22) {
                sim.issueWrite();
            } else if (r < 38) {
                sim.issueRead();
            } else if (r < 41) {
                sim.issueZeroes();
            } else if (r < 90) {
                sim.completeLeafOp();
            } else if (r < 96) {
                if (!sim.swapping(lv)) {
                    advanceMove(sim, lv, move, events, sim.random().nextInt(4) == 0, timeout(sim));
                }
            } else if (r < 98) {
                if (!sim.swapping(top)) {
                    topLayout = 1 - topLayout;
                    sim.startSwap(top, TOP.get(topLayout), false, timeout(sim));
                }
            } else {
                sim.advanceTime(Duration.ofMillis(20));
            }
            sim.pump();
            if (moved(sim, lv, move)) {
                move = nextMove(sim, move.dst(), move.dstSector());
            }
            sim.check();
        }
        // finish the move under way, so every seed checks at least one full recovery
        for (int guard = 0; !moved(sim, lv, move); guard++) {
            if (!sim.swapping(lv)) {
                advanceMove(sim, lv, move, events, false, Duration.ofHours(1));
            }
            sim.pump();
            if (!sim.swapping(lv) && moved(sim, lv, move)) {
                break;
            }
            if (!sim.completeLeafOp() || guard > 1_000_000) {
                throw sim.failure("move to " + move.dst() + " stalled; live table " + lv.table());
            }
            sim.pump();
        }
        sim.finish();
    }

    /**
     * Takes the next step of {@code move} on {@code lv}: loads the mirror; with a mirror whose recovery
     * ended, loads {@code linear(dst)} (checking the legs while suspended); else, if {@code reload},
     * reloads the mirror, which restarts recovery.
     */
    private static void advanceMove(SimulationHarness sim, MappedDevice lv, Move move, List<DeviceEvent> events,
            boolean reload, Duration timeout) {
        MirrorTarget mirror = liveMirror(lv);
        if (mirror == null) {
            swap(sim, lv, move.mirror(), () -> { }, timeout);
        } else if (recoveryEnded(sim, events, mirror)) {
            swap(sim, lv, move.linearDestination(), () -> checkLegsEqual(sim, lv, move), timeout);
        } else if (reload) {
            swap(sim, lv, move.mirror(), () -> { }, timeout);
        }
    }

    /** Half the swaps suspend (and check {@code whileSuspended}), half replace the table live, as the daemon does. */
    private static void swap(SimulationHarness sim, MappedDevice lv, String table, Runnable whileSuspended,
            Duration timeout) {
        if (sim.random().nextBoolean()) {
            sim.startReplace(lv, table);
        } else {
            sim.startSwap(lv, table, whileSuspended, timeout);
        }
    }

    private static boolean moved(SimulationHarness sim, MappedDevice lv, Move move) {
        if (!lv.table().equals(move.linearDestination() + "\n")) {
            return false;
        }
        sim.note("moved to " + move.dst() + " at " + move.dstSector());
        return true;
    }

    private static Move nextMove(SimulationHarness sim, String from, long fromSector) {
        String to = from.equals("/A") ? "/B" : "/A";
        long toSector = 8 * sim.random().nextInt((int) ((LEAF_SECTORS - SECTORS) / 8) + 1);
        long region = 16L << sim.random().nextInt(4);
        return new Move(from, fromSector, to, toSector, region);
    }

    private static MirrorTarget liveMirror(MappedDevice lv) {
        List<Target> targets = lv.targets();
        return targets.size() == 1 && targets.get(0) instanceof MirrorTarget m ? m : null;
    }

    /**
     * Whether {@code mirror}'s recovery has ended; it must have ended in sync, and the device must have
     * seen exactly one event from it saying so.
     */
    private static boolean recoveryEnded(SimulationHarness sim, List<DeviceEvent> events, MirrorTarget mirror) {
        List<String> raised = events.stream().filter(e -> e.target() == mirror).map(DeviceEvent::reason).toList();
        if (!mirror.recoveryFinished().isDone()) {
            if (!raised.isEmpty()) {
                throw sim.failure("events before recovery ended: " + raised);
            }
            return false;
        }
        RecoveryOutcome outcome = mirror.recoveryFinished().join();
        String expected = "recovery finished IN_SYNC " + mirror.regionCount() + "/" + mirror.regionCount();
        if (outcome.status() != RecoveryOutcome.Status.IN_SYNC || !raised.equals(List.of(expected))) {
            throw sim.failure("recovery did not converge: " + outcome + ", events " + raised);
        }
        return true;
    }

    /** While suspended on the mirror: every region in sync and both legs byte-identical. */
    private static void checkLegsEqual(SimulationHarness sim, MappedDevice lv, Move m) {
        String status = lv.status();
        long regions = (SECTORS + m.regionSectors() - 1) / m.regionSectors();
        if (!status.contains(" " + regions + "/" + regions + " 1 AA ")) {
            throw sim.failure("mirror not in sync before the final swap: " + status);
        }
        int len = (int) (SECTORS * 512);
        byte[] src = Bytes.get(sim.leaf(m.src()).medium(), m.srcSector() * 512, len);
        byte[] dst = Bytes.get(sim.leaf(m.dst()).medium(), m.dstSector() * 512, len);
        if (!Arrays.equals(src, dst)) {
            throw sim.failure("legs differ after recovery at byte " + Arrays.mismatch(src, dst));
        }
        sim.note("legs equal: " + status.trim());
    }

    private static Duration timeout(SimulationHarness sim) {
        return sim.random().nextInt(5) == 0 ? Duration.ofMillis(50) : Duration.ofHours(1);
    }
}
