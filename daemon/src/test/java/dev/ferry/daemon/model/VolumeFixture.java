package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.PvLabel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/** A data directory and PV files under one root, with helpers to snapshot metadata and compare states. */
final class VolumeFixture {
    static final long MIB = 1 << 20;
    final Path root;
    final Path dataDir;

    VolumeFixture(Path root) {
        this.root = root;
        this.dataDir = root.resolve("data");
    }

    String pv(String name) {
        return root.resolve(name).toString();
    }

    VolumeManager open() throws IOException {
        return VolumeManager.open(dataDir);
    }

    VolumeManager open(DeviceOpener opener) throws IOException {
        return VolumeManager.open(dataDir, opener, LvRuntime.NONE);
    }

    /** Deletes everything under the root (to rebuild a scenario at the same paths). */
    void wipe() throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted((a, b) -> b.compareTo(a)).filter(p -> !p.equals(root)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Raw bytes of every PV's label and metadata area plus the known-PV list, by file name. */
    Map<String, byte[]> metadataBytes() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] head = new byte[(int) PvLabel.DEFAULT_PE_START];
                try (var in = Files.newInputStream(f)) {
                    int n = in.readNBytes(head, 0, head.length);
                    out.put(f.getFileName().toString(), java.util.Arrays.copyOf(head, n));
                }
            }
        }
        Path known = dataDir.resolve(KnownPvs.FILE_NAME);
        if (Files.exists(known)) {
            out.put("known-pvs", Files.readAllBytes(known));
        }
        return out;
    }

    /**
     * A UUID-independent description of everything the manager knows: VG documents with UUIDs replaced by
     * ordinal names, and the orphan PV paths.
     */
    static String state(VolumeManager vm) {
        StringBuilder sb = new StringBuilder();
        Map<UUID, String> names = new HashMap<>();
        for (VolumeGroup vg : vm.volumeGroups()) {
            String doc = new String(VgDocumentCodec.encode(vg), java.nio.charset.StandardCharsets.UTF_8);
            sb.append(anonymise(doc, names)).append('\n');
        }
        List<String> orphans = new ArrayList<>();
        vm.physicalVolumes().stream().filter(p -> p.vgName() == null).forEach(p -> orphans.add(p.path()));
        orphans.sort(null);
        sb.append("orphans=").append(orphans);
        return sb.toString();
    }

    private static String anonymise(String doc, Map<UUID, String> names) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(doc);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            UUID u = UUID.fromString(m.group());
            m.appendReplacement(out, names.computeIfAbsent(u, k -> "id" + names.size()));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Free extents per PV path of {@code vg}. */
    static Map<String, Long> freePerPv(VolumeGroup vg) {
        FreeSpaceMap free = FreeSpaceMap.of(vg);
        Map<String, Long> out = new LinkedHashMap<>();
        vg.pvs().forEach(pv -> out.put(pv.name(), free.freeExtents(pv.uuid())));
        return out;
    }
}
