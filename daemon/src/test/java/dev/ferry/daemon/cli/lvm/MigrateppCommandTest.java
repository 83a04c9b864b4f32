package dev.ferry.daemon.cli.lvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.wiring.VolumeDaemonService;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * migratepp waits for the daemon's answer longer than the daemon may spend on the move's resync, so a slow but
 * healthy move is never reported as an unreachable daemon; {@code --timeout} still wins.
 */
class MigrateppCommandTest {
    @Test
    void defaultTimeoutOutlastsTheDaemonsResyncBound() {
        MigrateppCommand command = parse("vg0", "/pv1:0", "/pv2:0");
        assertThat(command.callTimeout())
                .isGreaterThan(VolumeDaemonService.MIRROR_RESYNC_DEADLINE);
    }

    @Test
    void otherCommandsKeepTheGeneralDefault() {
        LvsCommand lvs = new LvsCommand();
        new CommandLine(lvs).parseArgs();
        assertThat(lvs.callTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void explicitTimeoutWins() {
        MigrateppCommand command = parse("--timeout", "5s", "vg0", "/pv1:0", "/pv2:0");
        assertThat(command.callTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    private static MigrateppCommand parse(String... args) {
        MigrateppCommand command = new MigrateppCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
