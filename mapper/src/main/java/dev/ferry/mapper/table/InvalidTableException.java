package dev.ferry.mapper.table;

/** A table text that does not parse or validate; the message names the offending line. */
public final class InvalidTableException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /** Creates the exception for 1-based {@code lineNumber} (0 for the table as a whole). */
    public InvalidTableException(int lineNumber, String problem, Throwable cause) {
        super(lineNumber > 0 ? "line " + lineNumber + ": " + problem : problem, cause);
        this.lineNumber = lineNumber;
    }

    /** The 1-based line number of the text, or 0 when the problem is the table as a whole. */
    public int lineNumber() {
        return lineNumber;
    }
}
