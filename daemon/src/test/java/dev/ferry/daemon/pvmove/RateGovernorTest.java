package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The latency backoff: halves on slow foreground probes down to a floor, climbs back when calm. */
class RateGovernorTest {
    private static final long MIB = 1 << 20;
    private static final long MS = 1_000_000;

    @Test
    void calmProbesKeepTheConfiguredLimit() {
        RateGovernor g = new RateGovernor(MIB, 4);
        for (int i = 0; i < 20; i++) {
            assertEquals(64 * MIB, g.next(64 * MIB, MS + i * 10_000, 50 * MIB));
        }
        assertFalse(g.throttling());
    }

    @Test
    void slowProbesHalveDownToTheFloorAndCalmOnesRestoreTheLimit() {
        RateGovernor g = new RateGovernor(MIB, 4);
        g.next(64 * MIB, MS, 0);
        assertEquals(32 * MIB, g.next(64 * MIB, 20 * MS, 0));
        assertEquals(16 * MIB, g.next(64 * MIB, 20 * MS, 0));
        for (int i = 0; i < 10; i++) {
            g.next(64 * MIB, 20 * MS, 0);
        }
        assertEquals(MIB, g.next(64 * MIB, 20 * MS, 0));
        assertTrue(g.throttling());
        long rate = MIB;
        int calm = 0;
        while (g.throttling()) {
            long next = g.next(64 * MIB, MS, 0);
            assertTrue(next > rate || next == 64 * MIB, "rises monotonically: " + rate + " -> " + next);
            rate = next;
            calm++;
        }
        assertEquals(64 * MIB, rate);
        assertTrue(calm > 5, "recovers gradually, took " + calm);
    }

    @Test
    void anUnlimitedMoveBacksOffFromItsObservedRateAndBecomesUnlimitedAgain() {
        RateGovernor g = new RateGovernor(MIB, 4);
        g.next(0, 2 * MS, 0);
        assertEquals(100 * MIB, g.next(0, 30 * MS, 200 * MIB));
        long r;
        do {
            r = g.next(0, 2 * MS, 0);
        } while (r != 0);
        assertFalse(g.throttling());
    }

    @Test
    void smallJitterAboveATinyBaselineDoesNotThrottle() {
        RateGovernor g = new RateGovernor(MIB, 4);
        g.next(8 * MIB, 50_000, 0);
        assertEquals(8 * MIB, g.next(8 * MIB, 900_000, 0));
        assertThrows(IllegalArgumentException.class, () -> new RateGovernor(0, 4));
    }
}
