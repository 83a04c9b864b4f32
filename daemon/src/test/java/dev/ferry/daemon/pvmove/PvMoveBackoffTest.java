package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.device.MappedDevice;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A source that turns slow (a real delay target in front of it) makes the move lower its copy rate limit. */
class PvMoveBackoffTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long MIB = PvMoveFixture.MIB;

    @Test
    void risingForegroundLatencyLowersTheCopyRate() throws Exception {
        Map<String, BlockDevice> files = new ConcurrentHashMap<>();
        DeviceMapper faults = DeviceMapper.create(files::get);
        String[] src = new String[1];
        PvWrapper wrapper = (path, file) -> {
            if (!path.endsWith("/pv1")) {
                return file;
            }
            files.put(path, file);
            src[0] = "src-" + System.nanoTime();
            return faults.registry().create(src[0], "0 " + file.size() / 512 + " linear " + path + " 0\n");
        };
        f = new PvMoveFixture(root, wrapper);
        f.linear("a", "32M", f.pv1);
        // foreground writes make the VG busy: the latency backoff applies only then
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 81).start();
        long limit = 2 * MIB;
        MoveProgress p = f.moves.start(PvMoveFixture.request(false, limit, f.pv1, f.pv2));
        Copier copier = f.volumes.activator().copier();
        String group = "vg-" + p.name();
        assertEquals(limit, copier.rateLimit(group));
        long before = f.moves.probes();
        Poll.until(WAIT, "a few calm latency probes", () -> f.moves.probes() >= before + 3);

        MappedDevice d = faults.registry().lookup(src[0]).orElseThrow();
        faults.registry().load(src[0], "0 " + d.size() / 512 + " delay " + f.pv1 + " 0 40\n");
        d.resume().get(30, TimeUnit.SECONDS);
        long[] seen = {limit};
        Poll.until(WAIT, "the copy rate limit to drop below " + limit, () -> (seen[0] = copier.rateLimit(group)) < limit
                || f.moves.job(p.name()).state().terminal());
        // the first slow probe halves the limit (RateGovernorTest pins the exact steps); a calm probe (a read served
        // by the already synced destination leg) may raise it by a quarter before this thread looks again
        assertTrue(seen[0] >= limit / 2 && seen[0] < limit, "backed-off limit " + seen[0]);

        faults.registry().load(src[0], "0 " + d.size() / 512 + " linear " + f.pv1 + " 0\n");
        d.resume().get(30, TimeUnit.SECONDS);
        Poll.until(WAIT, "the limit to come back", () -> copier.rateLimit(group) == limit);
        f.moves.setRate(f.pv1, 0);
        assertEquals(JobState.COMPLETED, f.await(p));
        wa.stop();
        wa.verify("after a throttled move");
    }
}
