package dev.ferry.daemon.cli.lvm;

import java.util.Map;
import picocli.CommandLine.Option;

/** The exclusive {@code -L SIZE} / {@code -l EXTENTS} pair of lvcreate and the resize commands. */
final class LvSizeOptions {
    @Option(names = {"-L", "--size"}, paramLabel = "[+|-]SIZE", required = true,
        description = "Size (default unit m), e.g. 1g, +512m.")
    String size;

    @Option(names = {"-l", "--extents"}, paramLabel = "[+|-]EXTENTS", required = true,
        description = "Extents, or a percentage: N%%VG, N%%FREE, N%%PVS.")
    String extents;

    /** Puts {@code size} or {@code extents} into a request body. */
    void addTo(Map<String, Object> body) {
        body.put("size", size);
        body.put("extents", extents);
    }

    /** True when the argument asks to shrink relative to the current size. */
    boolean relativeShrink() {
        return (size != null ? size : extents).strip().startsWith("-");
    }
}
