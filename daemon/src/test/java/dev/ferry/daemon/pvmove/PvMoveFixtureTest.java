package dev.ferry.daemon.pvmove;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the pvmove tests on a {@link PvMoveFixture}: a fresh root directory, and the fixture closed after each test. */
abstract class PvMoveFixtureTest {
    @TempDir
    Path root;
    /** The fixture a test (or its set-up) opens on {@link #root}; null until then. */
    PvMoveFixture f;

    @AfterEach
    final void closeFixture() throws Exception {
        if (f != null) {
            f.close();
        }
    }
}
