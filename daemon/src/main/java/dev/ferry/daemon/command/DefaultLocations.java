package dev.ferry.daemon.command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the daemon keeps its data and control socket unless told otherwise, as both the daemon and its clients
 * find them: the data directory is {@code /var/lib/ferry} when running as root and {@code /var/lib} is writable;
 * otherwise {@code $XDG_DATA_HOME/ferry} when that variable is an absolute path; otherwise
 * {@code $HOME/.local/share/ferry}. The control socket is {@link #CONTROL_SOCKET_NAME} inside it.
 */
public final class DefaultLocations {
    /** File name of the control socket inside the data directory. */
    public static final String CONTROL_SOCKET_NAME = "control.sock";

    private DefaultLocations() {
    }

    /** The default data directory for this process. */
    public static Path dataDirectory() {
        return dataDirectory(System.getenv(), isRoot(), Files.isWritable(Path.of("/var/lib")),
            Path.of(System.getProperty("user.home")));
    }

    /** The default data directory given the environment, whether we are root, and the home directory. */
    public static Path dataDirectory(Map<String, String> env, boolean root, boolean varLibWritable, Path home) {
        if (root && varLibWritable) {
            return Path.of("/var/lib/ferry");
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ferry");
        }
        return home.resolve(".local/share/ferry");
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
