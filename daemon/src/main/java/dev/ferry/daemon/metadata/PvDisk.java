package dev.ferry.daemon.metadata;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One labelled PV on its device: reads and writes the label and the metadata slots, and caches what each slot
 * holds so a commit can choose the slot to overwrite without re-reading.
 */
public final class PvDisk implements Closeable {
    private final String name;
    /** The file behind the PV, or null for a remote PV (an NBD export). */
    private final Path path;
    private final MetadataDevice device;
    private final PvLabel label;
    private final SlotContent[] slots;
    /** The file's identity (device and inode) when opened, or null if the path has none (not a file). */
    private final Object fileKey;

    private PvDisk(String name, Path path, MetadataDevice device, PvLabel label, SlotContent[] slots) {
        this.name = name;
        this.path = path;
        this.device = device;
        this.label = label;
        this.slots = slots;
        this.fileKey = fileKey(path);
    }

    private static Object fileKey(Path path) {
        if (path == null) {
            return null;
        }
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * False once the PV's path no longer leads to the file it was opened as (the file was unlinked, or replaced by
     * another); true for devices without a file identity.
     */
    public boolean stillAtPath() {
        return fileKey == null || fileKey.equals(fileKey(path));
    }

    /** Writes {@code label} and blank slots to {@code device} and syncs: the device becomes an orphan PV. */
    public static PvDisk format(Path path, MetadataDevice device, PvLabel label) throws IOException {
        return format(path.toString(), path, device, label);
    }

    /** As {@link #format(Path, MetadataDevice, PvLabel)} for a remote PV named by its URI (no file behind it). */
    public static PvDisk formatRemote(String uri, MetadataDevice device, PvLabel label) throws IOException {
        return format(uri, null, device, label);
    }

    private static PvDisk format(String name, Path path, MetadataDevice device, PvLabel label) throws IOException {
        SlotContent[] slots = new SlotContent[label.slotCount()];
        PvDisk disk = new PvDisk(name, path, device, label, slots);
        for (int i = 0; i < slots.length; i++) {
            disk.clearSlot(i);
        }
        device.write(0, label.encode());
        device.sync();
        return disk;
    }

    /** Reads the label and all slots; empty if the device carries no Ferry label. */
    public static Optional<PvDisk> read(Path path, MetadataDevice device) throws IOException {
        return read(path.toString(), path, device);
    }

    /** As {@link #read(Path, MetadataDevice)} for a remote PV named by its URI (no file behind it). */
    public static Optional<PvDisk> readRemote(String uri, MetadataDevice device) throws IOException {
        return read(uri, null, device);
    }

    private static Optional<PvDisk> read(String name, Path path, MetadataDevice device) throws IOException {
        ByteBuffer labelBytes = ByteBuffer.allocate(PvLabel.SIZE);
        device.read(0, labelBytes);
        Optional<PvLabel> label = PvLabel.decode(labelBytes);
        if (label.isEmpty()) {
            return Optional.empty();
        }
        long mdaEnd = label.get().slotOffset(label.get().slotCount());
        long size = device.size();
        if (mdaEnd > size) {
            throw new MetadataFormatException("PV label places its metadata area up to byte " + mdaEnd
                    + ", past the end of the device (" + size + " bytes)");
        }
        PvDisk disk = new PvDisk(name, path, device, label.get(), new SlotContent[label.get().slotCount()]);
        for (int i = 0; i < disk.slots.length; i++) {
            disk.slots[i] = disk.readSlot(i);
        }
        return Optional.of(disk);
    }

    /** True if {@code device} starts with a Ferry label (valid or damaged). */
    public static boolean hasLabelMagic(MetadataDevice device) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(PvLabel.MAGIC.length);
        device.read(0, magic);
        return java.util.Arrays.equals(magic.array(), PvLabel.MAGIC);
    }

    private SlotContent readSlot(int index) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SlotHeader.SIZE);
        device.read(label.slotOffset(index), header);
        if (SlotHeader.isBlank(header)) {
            return SlotContent.empty(index);
        }
        SlotHeader h;
        try {
            h = SlotHeader.decode(header);
        } catch (MetadataFormatException e) {
            return SlotContent.corrupt(index, e.getMessage());
        }
        if (h.length() < 0 || h.length() > capacity()) {
            return SlotContent.corrupt(index, "document length " + h.length() + " exceeds slot capacity");
        }
        byte[] document = new byte[h.length()];
        device.read(label.slotOffset(index) + SlotHeader.SIZE, ByteBuffer.wrap(document));
        if (Checksums.crc32c(document) != h.documentCrc()) {
            return SlotContent.corrupt(index, "document checksum mismatch (seqno " + h.seqno() + ")");
        }
        return SlotContent.valid(index, h.seqno(), h.vgUuid(), document);
    }

    /** Largest document a slot of this PV can hold. */
    public int capacity() {
        return (int) Math.min(Integer.MAX_VALUE, label.slotSize() - SlotHeader.SIZE);
    }

    /**
     * The slot a commit of {@code vg} overwrites: a blank or corrupt slot first, then one holding another VG,
     * then the lowest seqno of this VG. Never the only newest copy of this VG.
     */
    public int slotForNextCommit(UUID vg) {
        return List.of(slots).stream()
                .min(Comparator.<SlotContent>comparingInt(s -> s.state() == SlotContent.State.VALID ? 1 : 0)
                        .thenComparingInt(s -> s.holds(vg) ? 1 : 0)
                        .thenComparingLong(SlotContent::seqno))
                .orElseThrow().index();
    }

    /** Writes {@code document} with its header into slot {@code index}; not durable until {@link #sync()}. */
    public void writeSlot(int index, long seqno, UUID vg, byte[] document) throws IOException {
        if (document.length > capacity()) {
            throw new IOException("document of " + document.length + " bytes exceeds slot capacity " + capacity());
        }
        slots[index] = SlotContent.corrupt(index, "write in progress");
        device.write(label.slotOffset(index), SlotHeader.encodeWith(SlotHeader.describing(seqno, vg, document), document));
        slots[index] = SlotContent.valid(index, seqno, vg, document.clone());
    }

    /**
     * Zeroes {@code length} bytes of the PV's data area at byte {@code offset} of the device (at or after pe_start,
     * never the label or metadata) and syncs.
     */
    public void zeroData(long offset, long length) throws IOException {
        if (offset < label.peStart() || length < 0 || offset > device.size() - length) {
            throw new IOException("zeroing " + offset + "+" + length + " is outside the data area of " + name);
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long done = 0; done < length;) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            device.write(offset + done, zeros.clear().limit(n));
            done += n;
        }
        device.sync();
    }

    /** Zeroes the header of slot {@code index}; not durable until {@link #sync()}. */
    public void clearSlot(int index) throws IOException {
        slots[index] = SlotContent.corrupt(index, "clear in progress");
        device.write(label.slotOffset(index), ByteBuffer.allocate(SlotHeader.SIZE));
        slots[index] = SlotContent.empty(index);
    }

    /** Zeroes the label so the device is no longer a PV; not durable until {@link #sync()}. */
    public void wipeLabel() throws IOException {
        device.write(0, ByteBuffer.allocate(PvLabel.SIZE));
    }

    /** Flushes the device. */
    public void sync() throws IOException {
        device.sync();
    }

    /** The newest valid slot of any VG, if any. */
    public Optional<SlotContent> newest() {
        return List.of(slots).stream().filter(s -> s.state() == SlotContent.State.VALID)
                .max(Comparator.comparingLong(SlotContent::seqno));
    }

    /** A snapshot of the cached slot contents. */
    public List<SlotContent> slots() {
        return new ArrayList<>(List.of(slots));
    }

    /** The name this PV was opened by: its file's path, or a remote PV's URI. */
    public String name() {
        return name;
    }

    /** The device's current size in bytes (a remote export's as it says now). */
    public long deviceSize() throws IOException {
        return device.size();
    }

    /** The decoded label. */
    public PvLabel label() {
        return label;
    }

    /** The PV's UUID. */
    public UUID uuid() {
        return label.pvUuid();
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
