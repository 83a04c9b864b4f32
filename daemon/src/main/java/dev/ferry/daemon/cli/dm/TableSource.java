package dev.ferry.daemon.cli.dm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Where create and load read a table: {@code --table TEXT}, else a table file, else standard input. */
final class TableSource {
    @Option(names = "--table", paramLabel = "TABLE", description = "The table text (lines separated by newlines).")
    String table;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TABLE_FILE",
        description = "File holding the table (default: standard input).")
    Path file;

    /** The table text; a file that cannot be read is an {@link IllegalArgumentException} naming it. */
    String read(InputStream stdin) {
        if (table != null && file != null) {
            throw new IllegalArgumentException("give the table either with --table or as TABLE_FILE, not both");
        }
        try {
            if (table != null) {
                return table;
            }
            return file != null ? Files.readString(file) : new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the table from " + (file != null ? file : "standard input")
                + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read the table: " + e.getMessage(), e);
        }
    }
}
