package dev.ferry.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/** Encodes a {@link VolumeGroup} as the JSON VG document stored in metadata slots, and decodes it strictly. */
public final class VgDocumentCodec {
    /** Value of the document's {@code format} field. */
    public static final String FORMAT = "ferry-vg";
    /** Value of the document's {@code version} field. */
    public static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VgDocumentCodec() {
    }

    /** The UTF-8 JSON document for {@code vg}; deterministic for equal VGs. */
    public static byte[] encode(VolumeGroup vg) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT).put("version", VERSION).put("name", vg.name()).put("uuid", vg.uuid().toString())
                .put("seqno", vg.seqno()).put("extent_size", vg.extentSize()).put("alloc", vg.alloc().cliName());
        putFlags(root, vg.status());
        ArrayNode pvs = root.putArray("physical_volumes");
        for (PhysicalVolume pv : vg.pvs()) {
            ObjectNode pn = pvs.addObject().put("uuid", pv.uuid().toString()).put("device", pv.name())
                    .put("device_size", pv.deviceSize()).put("pe_start", pv.peStart()).put("pe_count", pv.peCount());
            if (pv.missing()) {
                pn.put("missing", true);
            }
        }
        ArrayNode lvs = root.putArray("logical_volumes");
        for (LogicalVolume lv : vg.lvs()) {
            ObjectNode l = lvs.addObject().put("name", lv.name()).put("uuid", lv.uuid().toString())
                    .put("hidden", lv.hidden()).put("alloc", lv.alloc().cliName());
            putFlags(l, lv.status());
            ArrayNode segs = l.putArray("segments");
            for (Segment s : lv.segments()) {
                ObjectNode sn = segs.addObject().put("start_extent", s.startLe()).put("extent_count", s.extentCount())
                        .put("type", s.type().lvmName()).put("stripe_size", s.stripeSize())
                        .put("region_size", s.regionSize());
                if (s.moveState() != null) {
                    sn.put("move_state", s.moveState().docName());
                }
                ArrayNode areas = sn.putArray("areas");
                s.areas().forEach(a -> {
                    ObjectNode an = a.isLv() ? areas.addObject().put("lv", a.lv()).put("le", a.startPe())
                            : areas.addObject().put("pv", a.pv().toString()).put("pe", a.startPe());
                    if (a.stale()) {
                        an.put("stale", true);
                    }
                });
            }
            if (lv.move() != null) {
                MoveOptions m = lv.move();
                ObjectNode mo = l.putObject("move").put("source", m.source().toString()).put("atomic", m.atomic())
                        .put("rate", m.rateLimit()).put("alloc", m.alloc().cliName()).put("log_lv", m.logLv());
                if (m.verify()) {
                    mo.put("verify", true);
                }
            }
            if (lv.mirror() != null) {
                ObjectNode mn = l.putObject("mirror").put("mwc", lv.mirror().consistency().cliName());
                if (lv.mirror().logLv() != null) {
                    mn.put("log_lv", lv.mirror().logLv());
                }
                if (lv.mirror().recoveryRate() > 0) {
                    mn.put("recovery_rate", lv.mirror().recoveryRate());
                }
                if (lv.mirror().resync() != null) {
                    putResync(mn.putObject("resync"), lv.mirror().resync());
                }
            }
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise VG " + vg.name(), e);
        }
    }

    /**
     * Parses and shape-checks a document (not the cross-object rules of {@link VgValidator}).
     *
     * @throws VolumeException METADATA_INVALID naming the bad field
     */
    public static VolumeGroup decode(byte[] document) {
        JsonNode root;
        try {
            root = MAPPER.readTree(document);
        } catch (JsonProcessingException e) {
            throw invalid("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("unreadable: " + e.getMessage());
        }
        try {
            if (!FORMAT.equals(text(root, "format")) || integer(root, "version") != VERSION) {
                throw invalid("unsupported format " + root.path("format") + " version " + root.path("version"));
            }
            List<PhysicalVolume> pvs = new ArrayList<>();
            for (JsonNode p : array(root, "physical_volumes")) {
                pvs.add(new PhysicalVolume(uuid(p, "uuid"), text(p, "device"), integer(p, "device_size"),
                        integer(p, "pe_start"), integer(p, "pe_count"), p.has("missing") && bool(p, "missing")));
            }
            List<LogicalVolume> lvs = new ArrayList<>();
            for (JsonNode l : array(root, "logical_volumes")) {
                List<Segment> segs = new ArrayList<>();
                for (JsonNode s : array(l, "segments")) {
                    List<Area> areas = new ArrayList<>();
                    for (JsonNode a : array(s, "areas")) {
                        boolean stale = a.has("stale") && bool(a, "stale");
                        areas.add(a.has("lv") ? new Area(null, integer(a, "le"), text(a, "lv"), stale)
                                : new Area(uuid(a, "pv"), integer(a, "pe"), null, stale));
                    }
                    MoveState state = s.has("move_state")
                            ? MoveState.valueOf(text(s, "move_state").toUpperCase(Locale.ROOT)) : null;
                    segs.add(new Segment(integer(s, "start_extent"), integer(s, "extent_count"),
                            SegmentType.parse(text(s, "type")), integer(s, "stripe_size"), integer(s, "region_size"),
                            areas, state));
                }
                JsonNode m = l.get("move");
                MoveOptions move = m == null ? null : new MoveOptions(uuid(m, "source"), bool(m, "atomic"),
                        integer(m, "rate"), AllocationPolicy.parse(text(m, "alloc")), text(m, "log_lv"),
                        m.has("verify") && bool(m, "verify"));
                JsonNode mn = l.get("mirror");
                MirrorOptions mirror = mn == null ? null : new MirrorOptions(
                        MirrorWriteConsistency.parse(text(mn, "mwc")), mn.has("log_lv") ? text(mn, "log_lv") : null,
                        mn.has("recovery_rate") ? integer(mn, "recovery_rate") : 0,
                        mn.has("resync") ? resync(field(mn, "resync")) : null);
                lvs.add(new LogicalVolume(text(l, "name"), uuid(l, "uuid"), bool(l, "hidden"),
                        flags(l, LvFlag.class), AllocationPolicy.parse(text(l, "alloc")), segs, move, mirror));
            }
            return new VolumeGroup(text(root, "name"), uuid(root, "uuid"), integer(root, "seqno"),
                    integer(root, "extent_size"), AllocationPolicy.parse(text(root, "alloc")),
                    flags(root, VgFlag.class), pvs, lvs);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        } catch (VolumeException e) {
            throw e.code() == ErrorCode.METADATA_INVALID ? e : invalid(e.getMessage());
        }
    }

    /**
     * {@code {"verb","pv"?,"force","extents":[[start,count]...],"move"?:{"le","source":{"pv","pe"},
     * "destination":{"pv","pe"},"reduce"}}}.
     */
    private static void putResync(ObjectNode node, MirrorResync r) {
        node.put("verb", r.verb());
        if (r.pv() != null) {
            node.put("pv", r.pv().toString());
        }
        node.put("force", r.force());
        ArrayNode runs = node.putArray("extents");
        r.extents().forEach(run -> runs.addArray().add(run.start()).add(run.count()));
        if (r.move() != null) {
            ObjectNode m = node.putObject("move").put("le", r.move().le());
            m.putObject("source").put("pv", r.move().source().pv().toString()).put("pe", r.move().source().startPe());
            m.putObject("destination").put("pv", r.move().destination().pv().toString())
                    .put("pe", r.move().destination().startPe());
            m.put("reduce", r.move().reduce());
        }
    }

    private static MirrorResync resync(JsonNode node) {
        List<MirrorResync.Run> runs = new ArrayList<>();
        for (JsonNode run : array(node, "extents")) {
            if (!run.isArray() || run.size() != 2 || !run.get(0).isIntegralNumber() || !run.get(1).isIntegralNumber()) {
                throw invalid("resync extents must be [start, count] pairs");
            }
            runs.add(new MirrorResync.Run(run.get(0).asLong(), run.get(1).asLong()));
        }
        JsonNode m = node.get("move");
        MirrorResync.Move move = m == null ? null : new MirrorResync.Move(integer(m, "le"),
                pvArea(field(m, "source")), pvArea(field(m, "destination")), bool(m, "reduce"));
        return new MirrorResync(text(node, "verb"), node.has("pv") ? uuid(node, "pv") : null, bool(node, "force"),
                runs, move);
    }

    private static Area pvArea(JsonNode node) {
        return new Area(uuid(node, "pv"), integer(node, "pe"));
    }

    private static void putFlags(ObjectNode node, Set<? extends Enum<?>> flags) {
        ArrayNode arr = node.putArray("status");
        flags.stream().map(f -> f.name()).sorted().forEach(arr::add);
    }

    private static <E extends Enum<E>> Set<E> flags(JsonNode node, Class<E> type) {
        Set<E> out = EnumSet.noneOf(type);
        for (JsonNode f : array(node, "status")) {
            out.add(Enum.valueOf(type, f.asText().toUpperCase(Locale.ROOT)));
        }
        return out;
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw invalid("missing field \"" + name + "\"");
        }
        return v;
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isTextual()) {
            throw invalid("field \"" + name + "\" is not a string");
        }
        return v.asText();
    }

    private static long integer(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
            throw invalid("field \"" + name + "\" is not an integer");
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isBoolean()) {
            throw invalid("field \"" + name + "\" is not a boolean");
        }
        return v.asBoolean();
    }

    private static UUID uuid(JsonNode node, String name) {
        return UUID.fromString(text(node, name));
    }

    private static JsonNode array(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isArray()) {
            throw invalid("field \"" + name + "\" is not an array");
        }
        return v;
    }

    private static VolumeException invalid(String what) {
        return new VolumeException(ErrorCode.METADATA_INVALID, "VG document invalid: " + what);
    }
}
