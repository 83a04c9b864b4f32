package dev.ferry.daemon.command;


/** A command that cannot proceed: its message is shown to the user as is, and the process exits with the code ({@link ExitCodes}). */
public final class CommandFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Exit code for bad arguments or input the user must fix. */
    public static final int USAGE = ExitCodes.USAGE;
    /** Exit code for a failure at run time (I/O, ...). */
    public static final int RUNTIME = ExitCodes.FAILED;
    /** Exit code when a server cannot start (address in use, transport unavailable). */
    public static final int START_FAILED = ExitCodes.START_FAILED;

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
