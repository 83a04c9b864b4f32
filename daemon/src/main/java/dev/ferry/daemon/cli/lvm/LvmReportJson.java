package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;

/**
 * A report's JSON laid out as LVM 2.03 prints it with {@code --reportformat json}: indented by two spaces, then four
 * per level, each report object ({@code {"lv_name":"a", "vg_name":"vg0"}}) on one line with its fields separated by a
 * comma and a space.
 *
 * <pre>
 *   {
 *       "report": [
 *           {
 *               "lv": [
 *                   {"lv_name":"a", "vg_name":"vg0", ...},
 *                   {"lv_name":"s", "vg_name":"vg0", ...}
 *               ]
 *           }
 *       ]
 *   }
 * </pre>
 */
final class LvmReportJson {
    private static final ObjectMapper STRINGS = new ObjectMapper();
    private static final String BASE = "  ";
    private static final String LEVEL = "    ";

    private LvmReportJson() {
    }

    /** {@code root}, a {@code {"report":[{"TYPE":[{...}, ...]}, ...]}} document, in LVM's layout. */
    static String format(JsonNode root) {
        StringBuilder b = new StringBuilder();
        b.append(BASE).append("{\n").append(indent(1)).append("\"report\": [\n");
        Iterator<JsonNode> reports = root.path("report").elements();
        while (reports.hasNext()) {
            JsonNode report = reports.next();
            b.append(indent(2)).append("{\n");
            Iterator<Map.Entry<String, JsonNode>> types = report.fields();
            while (types.hasNext()) {
                Map.Entry<String, JsonNode> type = types.next();
                b.append(indent(3)).append(string(type.getKey())).append(": [\n");
                Iterator<JsonNode> objects = type.getValue().elements();
                while (objects.hasNext()) {
                    b.append(indent(4)).append(object(objects.next())).append(objects.hasNext() ? ",\n" : "\n");
                }
                b.append(indent(3)).append(']').append(types.hasNext() ? ",\n" : "\n");
            }
            b.append(indent(2)).append('}').append(reports.hasNext() ? ",\n" : "\n");
        }
        return b.append(indent(1)).append("]\n").append(BASE).append("}\n").toString();
    }

    private static String object(JsonNode o) {
        StringBuilder b = new StringBuilder("{");
        Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            b.append(string(f.getKey())).append(':').append(string(f.getValue().asText()));
            if (fields.hasNext()) {
                b.append(", ");
            }
        }
        return b.append('}').toString();
    }

    private static String indent(int levels) {
        return BASE + LEVEL.repeat(levels);
    }

    private static String string(String s) {
        try {
            return STRINGS.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot quote a string", e);
        }
    }
}
