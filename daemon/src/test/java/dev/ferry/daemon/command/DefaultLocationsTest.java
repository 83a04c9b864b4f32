package dev.ferry.daemon.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link DefaultLocations}: where the daemon and its clients look for the data directory. */
class DefaultLocationsTest {

    @Test
    void defaultDataDirectoryFollowsRootThenXdgThenHome() {
        Path home = Path.of("/home/op");
        assertThat(DefaultLocations.dataDirectory(Map.of(), true, true, home)).isEqualTo(Path.of("/var/lib/ferry"));
        assertThat(DefaultLocations.dataDirectory(Map.of(), true, false, home)).isEqualTo(Path.of("/home/op/.local/share/ferry"));
        assertThat(DefaultLocations.dataDirectory(Map.of("XDG_DATA_HOME", "/xdg"), false, true, home)).isEqualTo(Path.of("/xdg/ferry"));
        assertThat(DefaultLocations.dataDirectory(Map.of("XDG_DATA_HOME", "relative"), false, true, home))
            .isEqualTo(Path.of("/home/op/.local/share/ferry"));
    }
}
