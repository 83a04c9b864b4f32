package dev.ferry.mapper.table;

import dev.ferry.mapper.targets.TargetArgs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The syntax of a table text, as {@code dmsetup} reads it: one {@code <start> <length> <type> [args]}
 * line per target, fields separated by spaces or tabs; blank lines and lines whose first non-blank
 * character is {@code #} are skipped; lines must start at sector 0, follow each other without gaps or
 * overlaps, and have positive lengths. Checks the layout only; the targets are checked by {@link Table}.
 */
final class TableText {

    /** A parsed line and where it was in the text. */
    record Numbered(int lineNumber, TableLine line, List<String> args) {
    }

    private TableText() {
    }

    static List<Numbered> parse(String text) {
        List<Numbered> out = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        long expected = 0;
        int previous = 0;
        for (int i = 0; i < raw.length; i++) {
            int number = i + 1;
            String s = raw[i].endsWith("\r") ? raw[i].substring(0, raw[i].length() - 1) : raw[i];
            String trimmed = s.strip();
            if (trimmed.isEmpty() || trimmed.charAt(0) == '#') {
                continue;
            }
            String[] fields = trimmed.split("[ \t]+");
            if (fields.length < 3) {
                throw new InvalidTableException(number, "expected <start> <length> <type> [args...], got "
                        + fields.length + (fields.length == 1 ? " field" : " fields"), null);
            }
            long start = number(number, fields[0], "start sector", 0);
            long length = number(number, fields[1], "length", 1);
            if (length > TargetArgs.MAX_SECTORS - start) {
                throw new InvalidTableException(number, "line ends beyond the largest device ("
                        + TargetArgs.MAX_SECTORS + " sectors)", null);
            }
            if (out.isEmpty() && start != 0) {
                throw new InvalidTableException(number, "the table must start at sector 0, this first line starts at "
                        + start, null);
            }
            if (start > expected) {
                throw new InvalidTableException(number, "gap: line starts at sector " + start + " but line "
                        + previous + " ends at sector " + expected, null);
            }
            if (start < expected) {
                throw new InvalidTableException(number, "overlap: line starts at sector " + start + " but line "
                        + previous + " ends at sector " + expected, null);
            }
            List<String> args = List.of(Arrays.copyOfRange(fields, 3, fields.length));
            out.add(new Numbered(number, new TableLine(start, length, fields[2], String.join(" ", args)), args));
            expected = start + length;
            previous = number;
        }
        if (out.isEmpty()) {
            throw new InvalidTableException(0, "the table has no lines", null);
        }
        return out;
    }

    private static long number(int line, String field, String what, long min) {
        try {
            return TargetArgs.parse(field, what, min, TargetArgs.MAX_SECTORS);
        } catch (IllegalArgumentException e) {
            throw new InvalidTableException(line, e.getMessage(), null);
        }
    }
}
