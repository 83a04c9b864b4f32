package dev.ferry.daemon.testing;

import dev.ferry.daemon.cli.CliCommands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Runs {@code ferry} subcommands in this JVM against a daemon's control socket, capturing what they print. */
public final class InProcessCli {

    /** The root command the subcommands hang off. */
    @Command(name = "ferry")
    static final class Ferry implements Runnable {
        @Override
        public void run() {
        }
    }

    private InProcessCli() {
    }

    /** Runs {@code ferry ARGS} with {@code --control controlSocket} after the (dmsetup) subcommand. */
    public static CliResult run(Path controlSocket, String... args) {
        return run(controlSocket, new StringWriter(), args);
    }

    /** As {@link #run(Path, String...)}, printing into {@code out}, which another thread may watch meanwhile. */
    public static CliResult run(Path controlSocket, StringWriter out, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        int at = args[0].equals("dmsetup") ? 2 : 1;
        all.add(at, "--control");
        all.add(at + 1, controlSocket.toString());
        StringWriter err = new StringWriter();
        CommandLine cl = CliCommands.register(new CommandLine(new Ferry()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CliResult(List.copyOf(args.length == 0 ? List.of() : Arrays.asList(args)), exit, out.toString(),
                err.toString());
    }
}
