package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** pvcreate's device work: checks, sparse creation or growth of files, and writing a fresh label. */
final class PvInitializer {
    private PvInitializer() {
    }

    /**
     * Labels {@code file} as an orphan PV of {@code size} bytes (null: the device's size), creating a missing
     * file sparse; refuses a labelled device unless {@code force}. The path is recorded in {@code known} before
     * the label is written, so a crash leaves at worst a known path without a label (forgotten at open).
     */
    static PvDisk initialize(KnownPvs known, DeviceOpener opener, Path file, Long size, boolean force) {
        String p = file.toString();
        if (size != null && size < VolumeManager.MIN_PV_SIZE) {
            throw new VolumeException(ErrorCode.PV_TOO_SMALL, "Size " + size + " is below the minimum PV size "
                    + VolumeManager.MIN_PV_SIZE);
        }
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

    private static void probe(DeviceOpener opener, Path file, Long size, boolean force) throws IOException {
        String p = file.toString();
        try (MetadataDevice probe = opener.open(file)) {
            if (size != null && !Files.isRegularFile(file) && size > probe.size()) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Size " + size + " exceeds device " + p
                        + " of " + probe.size() + " bytes");
            }
            long deviceSize = size != null ? size : probe.size();
            if (deviceSize < VolumeManager.MIN_PV_SIZE) {
                throw new VolumeException(ErrorCode.PV_TOO_SMALL, "Device " + p + " has " + deviceSize
                        + " bytes, below the minimum PV size " + VolumeManager.MIN_PV_SIZE);
            }
            if (!force && PvDisk.hasLabelMagic(probe)) {
                throw new VolumeException(ErrorCode.PV_EXISTS, "Device " + p + " is already labelled as a "
                        + "physical volume; use force to overwrite");
            }
        }
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
