package dev.ferry.daemon.model.report;

import java.util.function.BiFunction;

/** One reportable column over rows of type {@code T}: LVM field name, heading and how to render a value. */
record ReportField<T>(String name, String heading, boolean rightAligned, BiFunction<T, Units, String> value) {

    static <T> ReportField<T> text(String name, String heading, java.util.function.Function<T, String> value) {
        return new ReportField<>(name, heading, false, (row, units) -> value.apply(row));
    }

    static <T> ReportField<T> number(String name, String heading, java.util.function.ToLongFunction<T> value) {
        return new ReportField<>(name, heading, true, (row, units) -> Long.toString(value.applyAsLong(row)));
    }

    static <T> ReportField<T> size(String name, String heading, java.util.function.ToLongFunction<T> bytes) {
        return new ReportField<>(name, heading, true, (row, units) -> units.format(bytes.applyAsLong(row)));
    }
}
