package dev.ferry.daemon.cli.lvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The progress of a copy job as the commands print it: a bar redrawn in place every second on a terminal, a plain line
 * every interval elsewhere, JSON lines with {@code --reportformat json}; the first report at the first poll, none with
 * interval 0; what a job that ended short copied; and the polls' pauses doubling from 200 ms to a second.
 */
class ProgressLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final StringWriter text = new StringWriter();
    private final PrintWriter out = new PrintWriter(text);

    private static JsonNode job(double percent, long copied, long total) throws Exception {
        return JSON.readTree("{\"percent\":" + percent + ",\"copied_bytes\":" + copied + ",\"total_bytes\":" + total
                + ",\"mib_per_second\":12.34,\"eta_seconds\":3725}");
    }

    @Test
    void aTerminalGetsABarRedrawnEverySecondThenCleared() throws Exception {
        ProgressLines p = new ProgressLines(out, true, false, 15);
        p.running("pvmove0 /a", "Moved", job(45.0, 115 << 20, 256 << 20), 0);
        p.running("pvmove0 /a", "Moved", job(46.0, 117 << 20, 256 << 20), SECOND / 2);   // not due yet
        p.running("pvmove0 /a", "Moved", job(50.0, 128 << 20, 256 << 20), SECOND);
        p.end();
        assertThat(text.toString()).isEqualTo(
                "\rpvmove0 /a: Moved [#########-----------]  45.0%  115.0/256.0 MiB  12.3 MiB/s ETA 01:02:05\033[K"
                + "\rpvmove0 /a: Moved [##########----------]  50.0%  128.0/256.0 MiB  12.3 MiB/s ETA 01:02:05\033[K"
                + "\r\033[K");
    }

    @Test
    void elsewhereAPlainLineEveryIntervalStartingAtTheFirstPoll() throws Exception {
        ProgressLines p = new ProgressLines(out, false, false, 5);
        for (int s = 0; s <= 10; s++) {
            p.running("resync1 vg/lv", "Resynced", job(s * 10, s, 10), s * SECOND);
        }
        p.end();
        assertThat(text.toString().lines()).containsExactly(
                "resync1 vg/lv: Resynced: 0.0% 12.3 MiB/s ETA 01:02:05",
                "resync1 vg/lv: Resynced: 50.0% 12.3 MiB/s ETA 01:02:05",
                "resync1 vg/lv: Resynced: 100.0% 12.3 MiB/s ETA 01:02:05");
    }

    @Test
    void jsonGetsOneCompactDocumentPerLineEvenOnATerminal() throws Exception {
        ProgressLines p = new ProgressLines(out, true, true, 1);
        p.running("pvmove0 /a", "Moved", job(10, 1, 10), 0);
        p.running("pvmove0 /a", "Moved", job(20, 2, 10), SECOND);
        p.jsonLine(job(100, 10, 10));
        p.end();
        assertThat(text.toString().lines().map(l -> {
            try {
                return JSON.readTree(l).path("percent").asDouble();
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        })).containsExactly(10.0, 20.0, 100.0);
    }

    @Test
    void aJobThatEndedShortGivesWhatItCopied() throws Exception {
        assertThat(ProgressLines.copied(job(43.75, 28 << 20, 64 << 20))).isEqualTo("28.0/64.0 MiB (43.8%)");
    }

    @Test
    void intervalZeroReportsNothingWhileRunning() throws Exception {
        ProgressLines p = new ProgressLines(out, false, false, 0);
        p.running("pvmove0 /a", "Moved", job(10, 1, 10), 0);
        p.end();
        assertThat(text.toString()).isEmpty();
    }

    @Test
    void pollsStartAt200MillisAndDoubleUpToASecondOrTheInterval() {
        assertThat(ProgressLines.nextPause(200, 15)).isEqualTo(400);
        assertThat(ProgressLines.nextPause(800, 15)).isEqualTo(1000);
        assertThat(ProgressLines.nextPause(1000, 15)).isEqualTo(1000);
        assertThat(ProgressLines.nextPause(200, 0)).isEqualTo(200);
    }
}
