package dev.ferry.daemon.access;

/** A rules file that cannot be read or holds a rule that cannot be parsed; the message names the file and line. */
public final class AccessRulesException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the file, and the line where there is one. */
    public AccessRulesException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public AccessRulesException(String message, Throwable cause) {
        super(message, cause);
    }
}
