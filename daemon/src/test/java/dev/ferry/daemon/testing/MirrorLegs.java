package dev.ferry.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real daemon's reports as JSON, and the legs of one of its mirrored LVs read straight from the PV files where
 * those reports place each leg's copy of each extent ({@code lvs -a --segments}, {@code pvs}).
 */
public final class MirrorLegs {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DEVICE = Pattern.compile("(.+)\\((\\d+)\\)");

    private MirrorLegs() {
    }

    /** {@code ferry ARGS --reportformat json}, parsed. */
    public static JsonNode report(FerryDaemon daemon, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--reportformat", "json"));
        try {
            return JSON.readTree(daemon.cliOk(all.toArray(String[]::new)).out());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Where one leg's copy of LE {@code le} lies: a PV file and a byte offset. */
    private record Place(String file, long offset) {
    }

    /**
     * The copies of every logical extent of mirrored LV {@code vg/lv} ({@code extentBytes} each) as the reports place
     * them: LE to {@code PV(PE)} per leg that has a copy of it, in leg order.
     */
    public static Map<Long, List<String>> copies(FerryDaemon daemon, String vg, String lv, long extentBytes) {
        Map<Long, List<String>> copies = new TreeMap<>();
        String image = lv + "_mimage_";
        for (JsonNode seg : report(daemon, "lvs", "-a", "--segments", "--units", "b", "-o",
                "lv_name,seg_start_pe,seg_size,devices", vg).at("/report/0/seg")) {
            String name = seg.get("lv_name").asText().replaceAll("[\\[\\]]", "");
            Matcher d = DEVICE.matcher(seg.get("devices").asText());
            if (!name.startsWith(image) || !d.matches()) {
                continue;   // not a leg of the LV, or a piece without a copy on that leg
            }
            long firstLe = seg.get("seg_start_pe").asLong();
            long extents = bytes(seg.get("seg_size").asText()) / extentBytes;
            for (long i = 0; i < extents; i++) {
                copies.computeIfAbsent(firstLe + i, k -> new ArrayList<>())
                        .add(d.group(1) + "(" + (Long.parseLong(d.group(2)) + i) + ")");
            }
        }
        return copies;
    }

    /**
     * Asserts that every logical extent of mirrored LV {@code vg/lv} ({@code extentBytes} each) holds the same bytes
     * on each leg that has a copy of it, and that every extent has at least two copies.
     */
    public static void assertIdentical(FerryDaemon daemon, String vg, String lv, long extentBytes)
            throws IOException {
        Map<String, Long> peStart = new TreeMap<>();
        for (JsonNode pv : report(daemon, "pvs", "--units", "b", "-o", "pv_name,pe_start").at("/report/0/pv")) {
            peStart.put(pv.get("pv_name").asText(), bytes(pv.get("pe_start").asText()));
        }
        Map<Long, List<String>> copies = copies(daemon, vg, lv, extentBytes);
        assertThat(copies).as("extents of %s/%s", vg, lv).isNotEmpty();
        for (Map.Entry<Long, List<String>> e : copies.entrySet()) {
            assertThat(e.getValue()).as("copies of LE %d", e.getKey()).hasSizeGreaterThanOrEqualTo(2);
            List<Place> places = e.getValue().stream().map(c -> {
                Matcher d = DEVICE.matcher(c);
                if (!d.matches()) {
                    throw new AssertionError(c);
                }
                return new Place(d.group(1), peStart.get(d.group(1)) + Long.parseLong(d.group(2)) * extentBytes);
            }).toList();
            byte[] first = read(places.get(0), extentBytes);
            for (Place p : places.subList(1, places.size())) {
                if (!Arrays.equals(first, read(p, extentBytes))) {
                    throw new AssertionError("LE " + e.getKey() + " of " + vg + "/" + lv + " differs between "
                            + places.get(0) + " and " + p);
                }
            }
        }
    }

    private static byte[] read(Place p, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of(p.file()), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) length);
            while (b.hasRemaining() && ch.read(b, p.offset() + b.position()) >= 0) {
                // reads until full (a sparse tail reads as zeros up to the file's size)
            }
            return b.array();
        }
    }

    private static long bytes(String reported) {
        return Long.parseLong(reported.replaceAll("[^0-9]", ""));
    }
}
