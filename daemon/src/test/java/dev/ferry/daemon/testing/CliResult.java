package dev.ferry.daemon.testing;

import java.util.List;

/**
 * What one {@code ferry} command printed and returned.
 *
 * @param args the command line
 * @param exit its exit status
 * @param out  standard output
 * @param err  standard error
 */
public record CliResult(List<String> args, int exit, String out, String err) {

    /** Fails, showing everything, unless the command exited 0; returns this result. */
    public CliResult assertOk() {
        return assertExit(0);
    }

    /** Fails, showing everything, unless the command exited {@code expected}; returns this result. */
    public CliResult assertExit(int expected) {
        if (exit != expected) {
            throw new AssertionError("expected exit " + expected + " from " + describe());
        }
        return this;
    }

    /** The command, its status and its output, for failure messages. */
    public String describe() {
        return "ferry " + String.join(" ", args) + " exited " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
