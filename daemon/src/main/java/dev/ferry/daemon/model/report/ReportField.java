package dev.ferry.daemon.model.report;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One reportable column over rows of type {@code T}: LVM field name, heading, alignment of its values, the narrowest
 * its column may be (LVM's minimum display width for the field, 0 for most) and how to render a value.
 */
record ReportField<T>(String name, String heading, boolean rightAligned, int minWidth,
                      BiFunction<T, Units, String> value) {

    static <T> ReportField<T> text(String name, String heading, Function<T, String> value) {
        return text(name, heading, 0, value);
    }

    static <T> ReportField<T> text(String name, String heading, int minWidth, Function<T, String> value) {
        return new ReportField<>(name, heading, false, minWidth, (row, units) -> value.apply(row));
    }

    static <T> ReportField<T> number(String name, String heading, ToLongFunction<T> value) {
        return number(name, heading, 0, value);
    }

    static <T> ReportField<T> number(String name, String heading, int minWidth, ToLongFunction<T> value) {
        return new ReportField<>(name, heading, true, minWidth, (row, units) -> Long.toString(value.applyAsLong(row)));
    }

    static <T> ReportField<T> size(String name, String heading, ToLongFunction<T> bytes) {
        return size(name, heading, 0, bytes);
    }

    static <T> ReportField<T> size(String name, String heading, int minWidth, ToLongFunction<T> bytes) {
        return new ReportField<>(name, heading, true, minWidth, (row, units) -> units.format(bytes.applyAsLong(row)));
    }
}
