package dev.ferry.daemon.cli.lvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * migratepp follows a background job with short requests, so it keeps the general 60-second request timeout, and
 * takes the job options of the resync commands ({@code -b}, {@code -i}); {@code --timeout} still wins.
 */
class MigrateppCommandTest {
    @Test
    void noRequestWaitsForTheMoveSoTheGeneralTimeoutApplies() {
        MigrateppCommand command = parse("vg0", "/pv1:0", "/pv2:0");
        assertThat(command.callTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(command.jobOptions.background).isFalse();
        assertThat(command.jobOptions.interval).isEqualTo(15);
    }

    @Test
    void jobOptionsAndAnExplicitTimeout() {
        MigrateppCommand command = parse("--timeout", "5s", "-b", "-i", "2", "vg0", "/pv1:0", "/pv2:0");
        assertThat(command.callTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(command.jobOptions.background).isTrue();
        assertThat(command.jobOptions.interval).isEqualTo(2);
    }

    private static MigrateppCommand parse(String... args) {
        MigrateppCommand command = new MigrateppCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
