package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.SlotContent;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Opens a missing PV that is back ({@code vgextend --restoremissing}) and checks that it is the PV its VG lost: its
 * label carries the PV UUID the VG records, its device has not shrunk below the size the VG and the label record, and
 * it holds no copy of the VG's metadata newer than the VG's own (written by someone else meanwhile).
 */
final class ReturningPv {
    private ReturningPv() {
    }

    /**
     * The label and metadata area of PV {@code pv} of {@code vg}, opened afresh through {@code opener} (a local file at
     * its path, a remote PV by its URI with the link settings recorded in it) and checked as the type says.
     *
     * @throws VolumeException IO_ERROR if it cannot be opened or its label read, INVALID_ARGUMENT naming what differs;
     *                         either way nothing stays open
     */
    static PvDisk open(DeviceOpener opener, VolumeGroup vg, PhysicalVolume pv) {
        String name = pv.name();
        boolean remote = PvUri.isUri(name);
        MetadataDevice device;
        try {
            device = remote ? opener.openRemote(name) : opener.open(Paths.get(name));
        } catch (IOException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "Cannot open physical volume " + name + " of volume group "
                    + vg.name() + ": " + e.getMessage() + "; it stays missing", e);
        }
        try {
            Optional<PvDisk> read = remote ? PvDisk.readRemote(name, device) : PvDisk.read(Paths.get(name), device);
            String differs = read.isEmpty() ? "it carries no Ferry PV label (another disk is there)"
                    : differs(vg, pv, read.get(), device.size());
            if (differs == null) {
                return read.get();
            }
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + name + " is not the PV volume "
                    + "group " + vg.name() + " lost: " + differs + "; it stays missing");
        } catch (IOException e) {
            closeQuietly(device, e);
            throw new VolumeException(ErrorCode.IO_ERROR, "Cannot read the label of physical volume " + name + ": "
                    + e.getMessage() + "; it stays missing", e);
        } catch (RuntimeException e) {
            closeQuietly(device, e);
            throw e;
        }
    }

    /** What makes {@code disk} (whose device has {@code size} bytes) another PV than {@code pv}, or null. */
    private static String differs(VolumeGroup vg, PhysicalVolume pv, PvDisk disk, long size) {
        if (!disk.uuid().equals(pv.uuid())) {
            return "it carries PV " + disk.uuid() + " where the volume group expects PV " + pv.uuid();
        }
        long recorded = Math.max(pv.deviceSize(), disk.label().deviceSize());
        if (size < recorded) {
            return "it shrank: it has " + size + " bytes, its PV is recorded with " + recorded;
        }
        Optional<SlotContent> newer = disk.slots().stream().filter(s -> s.holds(vg.uuid()) && s.seqno() > vg.seqno())
                .findFirst();
        return newer.map(s -> "its metadata of the volume group has seqno " + s.seqno() + ", newer than the running "
                + "one's " + vg.seqno() + " (written elsewhere meanwhile)").orElse(null);
    }

    private static void closeQuietly(MetadataDevice device, Exception failure) {
        try {
            device.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
