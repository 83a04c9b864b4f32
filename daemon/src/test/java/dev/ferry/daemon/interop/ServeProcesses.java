package dev.ferry.daemon.interop;

import dev.ferry.daemon.testing.ChildProcesses;
import java.nio.file.Path;

/** The {@code ferry serve} processes of a test (see {@link ChildProcesses}), with a way to start one. */
final class ServeProcesses extends ChildProcesses<ServeProcess> {

    /** Processes live for one test. */
    ServeProcesses() {
        super(false);
    }

    /** With {@code perClass}, processes live until all tests of the class ran (register it static). */
    ServeProcesses(boolean perClass) {
        super(perClass);
    }

    /** Starts a process (see {@link ServeProcess#start}) owned by this extension. */
    ServeProcess start(Path logDir, Path file, String exportName, String... extraArgs) {
        return own(ServeProcess.start(logDir, file, exportName, extraArgs));
    }
}
