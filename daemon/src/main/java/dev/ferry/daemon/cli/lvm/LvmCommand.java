package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ParameterException;

/**
 * Base of the LVM-style commands: PV paths are made absolute (the daemon has its own working directory),
 * commands over several objects go on after a failure and end with the first failure's exit code, and
 * sizes print as LVM prints them ({@code 8.00 MiB}).
 */
abstract class LvmCommand extends ThinClientCommand {
    /** How LVM indents what its commands print. */
    static final String MESSAGE_INDENT = "  ";
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    /** One call about one named object. */
    @FunctionalInterface
    interface Call {
        void run(String name) throws ControlCallException;
    }

    /** Runs {@code call} for each name; failures are reported and the first one's exit code is returned. */
    protected int each(List<String> names, Call call) {
        int exit = ExitCodes.OK;
        for (String name : names) {
            try {
                call.run(name);
            } catch (ControlCallException e) {
                int code = fail(e);
                exit = exit == ExitCodes.OK ? code : exit;
            }
        }
        return exit;
    }

    /** Prints the daemon's answer in JSON mode, else {@code message} (as {@link #message}). */
    protected void report(JsonNode answer, String message) {
        if (json()) {
            printJson(answer);
        } else {
            message(message);
        }
    }

    /** Prints {@code text} as LVM prints its messages: on its own line, indented by two spaces. */
    protected void message(String text) {
        out().println(MESSAGE_INDENT + text);
    }

    /**
     * {@code path} made absolute against this process's working directory; a remote PV's URI ({@code nbd://...},
     * anything with {@code ://}) goes to the daemon as it is, which parses it.
     */
    static String absolute(String path) {
        if (remote(path)) {
            return path;
        }
        return Path.of(path).toAbsolutePath().normalize().toString();
    }

    private static boolean remote(String path) {
        return path.contains("://");
    }

    /** Every {@code PV[:PE-range...]} argument with its PV path made absolute (a URI, ranges and all, as it is). */
    static List<String> absolutePvArgs(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args == null ? List.<String>of() : args) {
            if (remote(a)) {
                out.add(a);
                continue;
            }
            int colon = a.indexOf(':');
            out.add(colon < 0 ? absolute(a) : absolute(a.substring(0, colon)) + a.substring(colon));
        }
        return out;
    }

    /** LVM's human size: two decimals in the largest binary unit that keeps the value at least 1. */
    static String humanSize(long bytes) {
        int unit = 0;
        BigDecimal value = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(1024), 10, RoundingMode.DOWN);
        while (unit < UNITS.length - 1 && value.compareTo(BigDecimal.valueOf(1024)) >= 0) {
            value = value.divide(BigDecimal.valueOf(1024), 10, RoundingMode.DOWN);
            unit++;
        }
        return value.setScale(2, RoundingMode.HALF_UP).toPlainString() + " " + UNITS[unit];
    }

    /** A {@code VG/LV} argument split in two; a usage error otherwise. */
    protected String[] vgLv(String arg) {
        int slash = arg.indexOf('/');
        if (slash <= 0 || slash == arg.length() - 1 || arg.indexOf('/', slash + 1) >= 0) {
            throw new ParameterException(spec.commandLine(), "Logical volume must be given as VG/LV, got '" + arg + "'");
        }
        return new String[] {arg.substring(0, slash), arg.substring(slash + 1)};
    }
}
