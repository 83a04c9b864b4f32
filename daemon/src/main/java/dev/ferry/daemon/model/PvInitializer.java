package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.DeviceSignatures;
import dev.ferry.daemon.metadata.FileHolders;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** pvcreate's device work: checks, sparse creation or growth of files, and writing a fresh label. */
final class PvInitializer {
    private PvInitializer() {
    }

    /**
     * Labels {@code file} as an orphan PV of {@code size} bytes (null: the device's size), creating a missing
     * file sparse. Unless {@code force} it refuses a device whose first MiB holds a signature or any data (a PV
     * label: PV_EXISTS; anything else: DEVICE_HAS_DATA, naming what and where), an existing non-empty file whose
     * size {@code size} would change (INVALID_ARGUMENT), and a file another process holds open (DEVICE_IN_USE).
     * With {@code force} a larger {@code size} grows a file; a file is never truncated. The path is recorded in
     * {@code known} before the label is written, so a crash leaves at worst a known path without a label
     * (forgotten at open).
     */
    static PvDisk initialize(KnownPvs known, DeviceOpener opener, Path file, Long size, boolean force) {
        String p = file.toString();
        checkSize(size);
        boolean exists = Files.exists(file);
        if (!exists && size == null) {
            throw new VolumeException(ErrorCode.PV_NOT_FOUND, "Device " + p + " does not exist; give a size to "
                    + "create it as a sparse file");
        }
        if (!exists && !Files.isDirectory(file.toAbsolutePath().getParent())) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Directory of " + p + " does not exist");
        }
        try {
            if (exists) {
                probe(opener, file, size, force);
            }
            growFile(file, size);
            known.add(p);
            MetadataDevice device = opener.open(file);
            long deviceSize = size != null ? size : device.size();
            return PvDisk.format(file, device, PvLabel.withDefaults(UUID.randomUUID(), deviceSize));
        } catch (IOException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "pvcreate " + p + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Labels the remote export at {@code uri} (canonical) as an orphan PV of {@code size} bytes (null: the export's
     * size), with the same refusals as a device: a larger size than the export, a label or data already there
     * unless {@code force}. The URI is recorded in {@code known} before the label is written.
     */
    static PvDisk initializeRemote(KnownPvs known, DeviceOpener opener, String uri, Long size, boolean force) {
        checkSize(size);
        MetadataDevice device = null;
        try {
            device = opener.openRemote(uri);
            long deviceSize = checkDevice(device, uri, uri, size, true, force);
            known.add(uri);
            return PvDisk.formatRemote(uri, device, PvLabel.withDefaults(UUID.randomUUID(), deviceSize));
        } catch (IOException | RuntimeException e) {
            if (device != null) {
                try {
                    device.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            if (e instanceof VolumeException v) {
                throw v;
            }
            throw new VolumeException(ErrorCode.IO_ERROR, "pvcreate " + uri + " failed: " + e.getMessage(), e);
        }
    }

    private static void checkSize(Long size) {
        if (size != null && size < VolumeManager.MIN_PV_SIZE) {
            throw new VolumeException(ErrorCode.PV_TOO_SMALL, "Size " + size + " is below the minimum PV size "
                    + VolumeManager.MIN_PV_SIZE);
        }
    }

    /**
     * The size the label will record: {@code size}, else the device's; refuses a {@code size} past a fixed-size
     * device's end, a device below the minimum and, unless {@code force}, one with a label or data in its first MiB.
     */
    private static long checkDevice(MetadataDevice probe, String p, String shown, Long size, boolean fixedSize,
                                    boolean force) throws IOException {
        if (size != null && fixedSize && size > probe.size()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Size " + size + " exceeds device " + p
                    + " of " + probe.size() + " bytes");
        }
        long deviceSize = size != null ? size : probe.size();
        if (deviceSize < VolumeManager.MIN_PV_SIZE) {
            throw new VolumeException(ErrorCode.PV_TOO_SMALL, "Device " + p + " has " + deviceSize
                    + " bytes, below the minimum PV size " + VolumeManager.MIN_PV_SIZE);
        }
        if (force) {
            return deviceSize;
        }
        if (PvDisk.hasLabelMagic(probe)) {
            throw new VolumeException(ErrorCode.PV_EXISTS, "Device " + p + " is already labelled as a "
                    + "physical volume; use force to overwrite");
        }
        Optional<DeviceSignatures.Finding> found = DeviceSignatures.scan(probe);
        if (found.isPresent()) {
            throw new VolumeException(ErrorCode.DEVICE_HAS_DATA, "Device " + shown + " holds "
                    + found.get() + "; pvcreate would overwrite it: wipe it first or use force");
        }
        return deviceSize;
    }

    private static void probe(DeviceOpener opener, Path file, Long size, boolean force) throws IOException {
        String p = file.toString();
        try (MetadataDevice probe = opener.open(file)) {
            checkDevice(probe, p, shown(file), size, !Files.isRegularFile(file), force);
            if (force) {
                return;
            }
            if (size != null && Files.isRegularFile(file) && probe.size() > 0 && size != probe.size()) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "File " + shown(file) + " has "
                        + probe.size() + " bytes; pvcreate does not " + (size > probe.size() ? "grow" : "shrink")
                        + " an existing file to " + size + " bytes unless forced (forced, it grows a file and never "
                        + "truncates one)");
            }
        }
        List<Long> holders = FileHolders.of(file);
        if (!force && !holders.isEmpty()) {
            throw new VolumeException(ErrorCode.DEVICE_IN_USE, "Device " + shown(file) + " is open in process(es) "
                    + holders + "; use force to label it anyway");
        }
    }

    /** The path, and where it leads if it is a symbolic link. */
    private static String shown(Path file) throws IOException {
        return Files.isSymbolicLink(file) ? file + " (a symbolic link to " + file.toRealPath() + ")" : file.toString();
    }

    private static void growFile(Path file, Long size) throws IOException {
        if (size == null) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (Files.isRegularFile(file) && raf.length() < size) {
                raf.setLength(size);
            }
        }
    }
}
