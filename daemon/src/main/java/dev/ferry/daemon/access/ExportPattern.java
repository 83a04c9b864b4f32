package dev.ferry.daemon.access;

import java.util.regex.Pattern;

/**
 * The export part of a rule: an exact export name such as {@code vg0/db}, or a glob where {@code *} stands for any
 * run of characters (the slash included) and {@code ?} for one character, such as {@code vg0/*} or {@code *}.
 *
 * @param text  the pattern as written
 * @param regex the same as a regular expression
 */
record ExportPattern(String text, Pattern regex) {

    /** The pattern for {@code text}. */
    static ExportPattern of(String text) {
        StringBuilder re = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new ExportPattern(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    /** Whether export {@code name} matches. */
    boolean matches(String name) {
        return regex.matcher(name).matches();
    }
}
