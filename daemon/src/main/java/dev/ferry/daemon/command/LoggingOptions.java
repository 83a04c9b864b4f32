package dev.ferry.daemon.command;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The {@code --verbose} option, mixed into every command: DEBUG logging for Ferry's own classes. */
public final class LoggingOptions {

    /** Switches Ferry's loggers to DEBUG when set. */
    @Option(names = {"-v", "--verbose"}, description = "Log debug details of Ferry's own work.")
    void setVerbose(boolean verbose) {
        if (verbose && LoggerFactory.getLogger("dev.ferry") instanceof Logger logger) {
            logger.setLevel(Level.DEBUG);
        }
    }
}
