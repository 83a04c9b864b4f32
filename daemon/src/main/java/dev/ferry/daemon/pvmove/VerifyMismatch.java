package dev.ferry.daemon.pvmove;

/**
 * Where {@code pvmove --verify} found a segment's destination different from its source: the first differing byte
 * on each PV (a byte offset in the PV's file or device) and in the moved LV.
 *
 * @param segment           the pvmove segment
 * @param lv                the moved LV ({@code VG/LV}) whose extents the segment carries
 * @param lvByte            the byte of that LV, or -1 where the segment is one stripe of a striped LV segment
 * @param sourcePv          the source PV
 * @param sourceByte        the byte on the source PV
 * @param destinationPv     the destination PV
 * @param destinationByte   the byte on the destination PV
 */
public record VerifyMismatch(int segment, String lv, long lvByte, String sourcePv, long sourceByte,
                             String destinationPv, long destinationByte) {

    /** One sentence naming every place. */
    String describe() {
        return "verify found the destination of segment " + segment + " different from its source: "
                + destinationPv + " byte " + destinationByte + " differs from " + sourcePv + " byte " + sourceByte
                + " (" + lv + (lvByte >= 0 ? " byte " + lvByte : ", a stripe of it") + ")";
    }
}
