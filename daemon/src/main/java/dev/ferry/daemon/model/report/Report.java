package dev.ferry.daemon.model.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A rendered report: its LVM type ({@code pv}, {@code vg}, {@code lv} or {@code seg}), field names, column
 * headings, the fields whose values align right, each column's least width and rows of display strings; prints as
 * LVM's aligned table or its JSON layout.
 *
 * <p>The table is laid out as LVM 2.03 lays it out: every line starts with two spaces; a column is as wide as its
 * widest value, its heading or its field's least width, whichever is widest (the heading counts even with
 * {@code --noheadings}); headings align left, values as their field does; every column, the last too, is padded to its
 * width and columns are separated by one space.
 */
public record Report(String type, List<String> fields, List<String> headings, Set<String> rightAligned,
                     List<Integer> minWidths, List<List<String>> rows) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Copies the lists. */
    public Report {
        fields = List.copyOf(fields);
        headings = List.copyOf(headings);
        rightAligned = Set.copyOf(rightAligned);
        minWidths = List.copyOf(minWidths);
        if (minWidths.size() != fields.size() || headings.size() != fields.size()) {
            throw new IllegalArgumentException(fields.size() + " fields but " + headings.size() + " headings and "
                    + minWidths.size() + " widths");
        }
        rows = rows.stream().map(List::copyOf).toList();
    }

    /** The table as LVM prints it: a heading line and one line per row, indented by two spaces. */
    public String toText() {
        return toText(true, null);
    }

    /**
     * The table with or without the heading line ({@code --noheadings}); with a {@code separator}
     * ({@code --separator}) the cells are joined by it without alignment, as LVM does.
     */
    public String toText(boolean withHeadings, String separator) {
        if (separator != null) {
            StringBuilder sb = new StringBuilder();
            if (withHeadings) {
                sb.append("  ").append(String.join(separator, headings)).append('\n');
            }
            rows.forEach(r -> sb.append("  ").append(String.join(separator, r)).append('\n'));
            return sb.toString();
        }
        int[] widths = new int[fields.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(minWidths.get(i), headings.get(i).length());
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (withHeadings) {
            line(sb, headings, widths, false);
        }
        rows.forEach(r -> line(sb, r, widths, true));
        return sb.toString();
    }

    private void line(StringBuilder sb, List<String> cells, int[] widths, boolean values) {
        sb.append(' ');
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(widths[i] - c.length());
            sb.append(' ').append(values && rightAligned.contains(fields.get(i)) ? pad + c : c + pad);
        }
        sb.append('\n');
    }

    /** The JSON tree in LVM's layout: {@code {"report":[{"<type>":[{"field":"value",...}]}]}}. */
    public ObjectNode toJsonTree() {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode objects = root.putArray("report").addObject().putArray(type);
        for (List<String> row : rows) {
            ObjectNode o = objects.addObject();
            for (int i = 0; i < fields.size(); i++) {
                o.put(fields.get(i), row.get(i));
            }
        }
        return root;
    }

    /** {@link #toJsonTree()} pretty-printed. */
    public String toJson() {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJsonTree());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The values of column {@code field}, in row order. */
    public List<String> column(String field) {
        int i = fields.indexOf(field);
        if (i < 0) {
            throw new IllegalArgumentException("no field " + field + " in " + fields);
        }
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.get(i)));
        return out;
    }
}
