package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Base of {@code pvs}, {@code vgs} and {@code lvs}: {@code [-a] [-o FIELDS] [--units U] [--noheadings]
 * [--nosuffix] [--separator S] [--reportformat json] [NAMES...]}; the daemon renders the report, the JSON one is
 * printed in LVM's layout ({@link LvmReportJson}).
 */
abstract class ReportCommand extends LvmCommand {
    @Option(names = {"-a", "--all"}, description = "Include hidden logical volumes.")
    boolean all;

    @Option(names = {"-o", "--options"}, paramLabel = "FIELDS",
        description = "Comma-separated fields; '+f1,f2' adds to the default columns. Repeatable.")
    List<String> fields;

    @Option(names = "--units", paramLabel = "U",
        description = "r (default: human, '<' marks a value rounded up), h, b, s, k, m, g, t, p, e; upper case for "
            + "powers of 1000.")
    String units;

    @Option(names = "--noheadings", description = "Leave out the heading line.")
    boolean noHeadings;

    @Option(names = "--nosuffix", description = "Leave out the unit suffix of sizes.")
    boolean noSuffix;

    @Option(names = "--separator", paramLabel = "S", description = "Separate columns with S instead of aligning them.")
    String separator;

    @Parameters(paramLabel = "NAME", description = "Objects to report (default: all).")
    List<String> names;

    /** The report route's last segment: pvs, vgs or lvs. */
    protected abstract String kind();

    /** {@code --segments} (lvs only). */
    protected boolean segments() {
        return false;
    }

    /** A name argument as the daemon expects it. */
    protected String name(String arg) {
        return arg;
    }

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        Targets target = Targets.path("/v1/reports/" + kind()).flag("all", all).flag("segments", segments())
            .flag("nosuffix", noSuffix).flag("noheadings", noHeadings);
        if (fields != null && !fields.isEmpty()) {
            target.param("o", String.join(",", fields));
        }
        if (units != null) {
            target.param("units", units);
        }
        if (separator != null) {
            target.param("separator", separator);
        }
        for (String n : names == null ? List.<String>of() : names) {
            target.param("name", name(n));
        }
        if (json()) {
            out().print(LvmReportJson.format(client.call("GET", target.param("reportformat", "json").toString(), null)));
        } else {
            out().print(client.callText(target.param("reportformat", "text").toString()));
        }
        return ExitCodes.OK;
    }
}
