package dev.ferry.daemon.testing;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads a mirror leg's copy of a whole LV straight from its PV files, bypassing the daemon. */
public final class LegFiles {
    private LegFiles() {
    }

    /** The bytes of leg {@code leg}'s copy of every extent of {@code lv} (each piece must have that leg). */
    public static byte[] copy(VolumeGroup vg, LogicalVolume lv, int leg) throws IOException {
        byte[] out = new byte[Math.toIntExact(lv.extentCount() * vg.extentSize())];
        for (Segment s : lv.segments()) {
            Area a = s.leg(leg);
            PhysicalVolume pv = vg.pv(a.pv()).orElseThrow();
            try (FileChannel ch = FileChannel.open(Path.of(pv.name()), StandardOpenOption.READ)) {
                ByteBuffer dst = ByteBuffer.wrap(out, Math.toIntExact(s.startLe() * vg.extentSize()),
                        Math.toIntExact(s.extentCount() * vg.extentSize()));
                long at = pv.peStart() + a.startPe() * vg.extentSize();
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, at);
                    if (n < 0) {
                        throw new IOException("PV " + pv.name() + " ends before its extent data at " + at);
                    }
                    at += n;
                }
            }
        }
        return out;
    }
}
