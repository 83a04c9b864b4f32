package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Chooses free PEs for an {@link AllocationRequest}, as LVM does: the policies are tried from the strictest
 * (contiguous) up to the requested one and the first that succeeds wins.
 * <ul>
 *   <li>contiguous: each area continues right after the same area of the LV's last segment (or, for a new LV,
 *       is one unsplit run); parallel areas on distinct PVs;</li>
 *   <li>cling: each area stays on the PV of the same area of the LV's last segment; otherwise as normal;</li>
 *   <li>normal: area i never shares a PV with any other area j of the LV (stripes and legs stay apart);</li>
 *   <li>anywhere: any free PE.</li>
 * </ul>
 * Within those rules it takes, per area, the first run holding all that is still needed, else the largest run,
 * so allocations split as little as possible; PVs the same area already uses come first, then VG order.
 */
public final class Allocator {
    private static final List<AllocationPolicy> LEVELS = List.of(AllocationPolicy.CONTIGUOUS, AllocationPolicy.CLING,
            AllocationPolicy.NORMAL, AllocationPolicy.ANYWHERE);

    private Allocator() {
    }

    /**
     * Allocates {@code request} from {@code free} (which is not modified).
     *
     * @throws VolumeException INSUFFICIENT_SPACE if no policy up to the requested one can satisfy it
     */
    public static List<AllocatedChunk> allocate(FreeSpaceMap free, AllocationRequest request) {
        for (AllocationPolicy level : LEVELS) {
            if (!level.atLeastAsStrictAs(request.policy())) {
                break;
            }
            Optional<List<AllocatedChunk>> chunks = new Attempt(free.copy(), request, level).run();
            if (chunks.isPresent()) {
                return chunks.get();
            }
        }
        throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "Insufficient suitable allocatable extents: "
                + request.extentsPerArea() + " extents needed in each of " + request.parallel()
                + " parallel area(s) under policy " + request.policy().cliName() + ", " + free.totalFree()
                + " free extents in total");
    }

    /** One try at a given strictness. */
    private static final class Attempt {
        private final FreeSpaceMap work;
        private final AllocationRequest request;
        private final AllocationPolicy level;
        private final Area[] tail;
        private final List<Set<UUID>> used = new ArrayList<>();

        Attempt(FreeSpaceMap work, AllocationRequest request, AllocationPolicy level) {
            this.work = work;
            this.request = request;
            this.level = level;
            int n = request.parallel();
            this.tail = new Area[n];
            for (int i = 0; i < n; i++) {
                used.add(new HashSet<>());
            }
            for (Segment s : request.existing()) {
                if (s.areas().size() == n) {
                    for (int i = 0; i < n; i++) {
                        used.get(i).add(s.areas().get(i).pv());
                        tail[i] = new Area(s.areas().get(i).pv(), s.areas().get(i).startPe() + s.areaLength());
                    }
                }
            }
        }

        Optional<List<AllocatedChunk>> run() {
            List<AllocatedChunk> chunks = new ArrayList<>();
            long remaining = request.extentsPerArea();
            int n = request.parallel();
            while (remaining > 0) {
                Pick[] picks = new Pick[n];
                for (int i = 0; i < n; i++) {
                    Pick p = pick(i, remaining, picks);
                    if (p == null) {
                        return Optional.empty();
                    }
                    work.take(p.pv, p.start, p.take);
                    picks[i] = p;
                }
                long len = remaining;
                for (Pick p : picks) {
                    len = Math.min(len, p.take);
                }
                List<Area> areas = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Pick p = picks[i];
                    if (p.take > len) {
                        work.give(p.pv, p.start + len, p.take - len);
                    }
                    areas.add(new Area(p.pv, p.start));
                    used.get(i).add(p.pv);
                }
                chunks.add(new AllocatedChunk(len, areas));
                remaining -= len;
            }
            return Optional.of(chunks);
        }

        private Pick pick(int index, long remaining, Pick[] chosen) {
            Pick best = null;
            List<UUID> order = new ArrayList<>();
            work.pvs().stream().filter(pv -> used.get(index).contains(pv)).forEach(order::add);
            work.pvs().stream().filter(pv -> !used.get(index).contains(pv)).forEach(order::add);
            for (UUID pv : order) {
                if (!pvAllowed(index, pv, chosen)) {
                    continue;
                }
                for (PeRun run : work.freeRuns(pv)) {
                    long start = run.start();
                    if (needsContact(index)) {
                        if (run.start() > tail[index].startPe() || run.end() <= tail[index].startPe()) {
                            continue;
                        }
                        start = tail[index].startPe();
                    }
                    long avail = run.end() - start;
                    if (avail >= remaining) {
                        return new Pick(pv, start, remaining);
                    }
                    if (level != AllocationPolicy.CONTIGUOUS && (best == null || avail > best.take)) {
                        best = new Pick(pv, start, avail);
                    }
                }
            }
            return best;
        }

        private boolean needsContact(int index) {
            return level == AllocationPolicy.CONTIGUOUS && tail[index] != null;
        }

        private boolean pvAllowed(int index, UUID pv, Pick[] chosen) {
            if (level == AllocationPolicy.ANYWHERE) {
                return true;
            }
            if ((level == AllocationPolicy.CLING || level == AllocationPolicy.CONTIGUOUS) && tail[index] != null
                    && !tail[index].pv().equals(pv)) {
                return false;
            }
            for (int j = 0; j < chosen.length; j++) {
                if (j != index && (used.get(j).contains(pv) || (chosen[j] != null && chosen[j].pv.equals(pv)))) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Pick(UUID pv, long start, long take) {
    }
}
