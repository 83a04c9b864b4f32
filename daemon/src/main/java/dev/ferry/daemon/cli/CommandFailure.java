package dev.ferry.daemon.cli;

/** A command that cannot proceed: its message is shown to the user as is, and the process exits with the code. */
public final class CommandFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Exit code for bad arguments or input the user must fix (picocli's usage code). */
    public static final int USAGE = 2;
    /** Exit code for a failure at run time (I/O, address in use, ...). */
    public static final int RUNTIME = 1;

    private final int exitCode;

    /** Creates the failure. */
    public CommandFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Creates the failure with its cause. */
    public CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A failure caused by the user's input. */
    public static CommandFailure usage(String message) {
        return new CommandFailure(USAGE, message);
    }

    /** The process exit code. */
    public int exitCode() {
        return exitCode;
    }
}
