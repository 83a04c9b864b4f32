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
 * headings and rows of display strings; prints as LVM's aligned table or its JSON layout.
 */
public record Report(String type, List<String> fields, List<String> headings, Set<String> rightAligned,
                     List<List<String>> rows) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Copies the lists. */
    public Report {
        fields = List.copyOf(fields);
        headings = List.copyOf(headings);
        rightAligned = Set.copyOf(rightAligned);
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
            widths[i] = headings.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (withHeadings) {
            line(sb, headings, widths);
        }
        rows.forEach(r -> line(sb, r, widths));
        return sb.toString();
    }

    private void line(StringBuilder sb, List<String> cells, int[] widths) {
        StringBuilder l = new StringBuilder(" ");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(widths[i] - c.length());
            l.append(' ').append(rightAligned.contains(fields.get(i)) ? pad + c : c + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
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
