package dev.ferry.daemon.bitmap;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.mapper.block.BlockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every LV's dirty bitmaps, kept in {@code DIR/VG/LV/NAME.bitmap} (see daemon/FORMAT.md, "Dirty bitmaps"). Bits
 * live in memory while the daemon runs and reach disk at a clean stop ({@link #close()}); each file carries an
 * in-use flag, set on disk before the daemon accepts writes to a bitmap's LV and cleared at the clean stop, so a
 * bitmap found in use at start (the daemon was killed or crashed) is loaded as inconsistent: it may miss writes, is
 * not offered over NBD, can only be removed, and says so in listings (qemu treats its bitmaps' in-use flag alike).
 * LVs are named {@code VG/LV}, the export name.
 */
public final class DirtyBitmaps implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirtyBitmaps.class);
    private static final String NAME_PATTERN = "[A-Za-z0-9_+.-]{1,64}";

    private final Path dir;
    private final Map<String, LvBitmaps> lvs = new ConcurrentHashMap<>();

    private DirtyBitmaps(Path dir) {
        this.dir = dir;
    }

    /** Loads the bitmaps under {@code dir}, marking those left in use inconsistent and the others in use now. */
    public static DirtyBitmaps open(Path dir) throws IOException {
        DirtyBitmaps all = new DirtyBitmaps(dir);
        Files.createDirectories(dir);
        List<Path> files;
        try (Stream<Path> s = Files.find(dir, 3, (p, a) -> a.isRegularFile()
                && p.getFileName().toString().endsWith(BitmapFile.SUFFIX))) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            Path rel = dir.relativize(f);
            if (rel.getNameCount() != 3) {
                continue;
            }
            String lv = rel.getName(0) + "/" + rel.getName(1);
            String fileName = rel.getName(2).toString();
            String name = fileName.substring(0, fileName.length() - BitmapFile.SUFFIX.length());
            BitmapFile.Content c = BitmapFile.read(f);
            if (c.inUse()) {
                LOG.warn("dirty bitmap {} of {} was in use when the daemon stopped uncleanly: it is inconsistent "
                        + "and can only be removed", name, lv);
            } else {
                BitmapFile.write(f, new BitmapFile.Content(c.granularity(), true, c.bits()));
            }
            all.of(lv).add(new DirtyBitmap(name, c.granularity(), c.inUse(), c.bits()));
        }
        return all;
    }

    /** {@code device} (the device of LV {@code lv}) with its writes marking the LV's bitmaps. */
    public BlockDevice track(String lv, BlockDevice device) {
        return new TrackedDevice(device, of(lv));
    }

    /**
     * Adds an empty bitmap to {@code lv}, in use on disk before this returns.
     *
     * @throws VolumeException BITMAP_EXISTS, or INVALID_NAME / INVALID_ARGUMENT for a bad name or granularity
     */
    public synchronized DirtyBitmap add(String lv, String name, long granularity) {
        if (!name.matches(NAME_PATTERN)) {
            throw new VolumeException(ErrorCode.INVALID_NAME, "bitmap name must be 1 to 64 of A-Z a-z 0-9 _ + . -: '"
                    + name + "'");
        }
        DirtyBitmap b;
        try {
            b = new DirtyBitmap(name, granularity, false, new BitSet());
        } catch (IllegalArgumentException e) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
        }
        if (of(lv).find(name).isPresent()) {
            throw new VolumeException(ErrorCode.BITMAP_EXISTS, "LV " + lv + " already has a bitmap '" + name + "'");
        }
        save(lv, b, true);
        of(lv).add(b);
        return b;
    }

    /** The bitmaps of {@code lv}, by name. */
    public List<DirtyBitmap> list(String lv) {
        LvBitmaps b = lvs.get(lv);
        return b == null ? List.of() : b.list();
    }

    /**
     * Clears every bit of a bitmap (after a backup has copied what it marked).
     *
     * @throws VolumeException BITMAP_NOT_FOUND, or BITMAP_INCONSISTENT
     */
    public synchronized DirtyBitmap clear(String lv, String name) {
        DirtyBitmap b = require(lv, name);
        if (b.inconsistent()) {
            throw new VolumeException(ErrorCode.BITMAP_INCONSISTENT, "bitmap '" + name + "' of " + lv
                    + " is inconsistent (the daemon stopped uncleanly while it was in use): remove it");
        }
        b.clear();
        return b;
    }

    /**
     * Removes a bitmap and its file.
     *
     * @throws VolumeException BITMAP_NOT_FOUND
     */
    public synchronized void remove(String lv, String name) {
        require(lv, name);
        try {
            BitmapFile.delete(file(lv, name));
        } catch (IOException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "removing bitmap '" + name + "' of " + lv + ": " + e, e);
        }
        of(lv).remove(name);
    }

    /** Moves the bitmaps of {@code from} to {@code to} (an lvrename), on disk and in memory. */
    public synchronized void rename(String from, String to) {
        LvBitmaps old = lvs.remove(from);
        if (old == null) {
            return;
        }
        if (!old.list().isEmpty()) {
            try {
                Files.createDirectories(lvDir(to).getParent());
                Files.deleteIfExists(lvDir(to)); // left empty by a removed LV of that name
                Files.move(lvDir(from), lvDir(to));
            } catch (IOException e) {
                lvs.put(from, old);
                throw new VolumeException(ErrorCode.IO_ERROR, "moving the bitmaps of " + from + " to " + to + ": "
                        + e, e);
            }
        }
        old.moveTo(of(to));
    }

    /** Forgets and deletes the bitmaps of {@code lv} (an lvremove or vgremove). */
    public synchronized void drop(String lv) {
        LvBitmaps gone = lvs.remove(lv);
        if (gone == null) {
            return;
        }
        for (DirtyBitmap b : gone.list()) {
            try {
                BitmapFile.delete(file(lv, b.name()));
            } catch (IOException e) {
                LOG.warn("deleting bitmap {} of removed LV {} failed: {}", b.name(), lv, e.toString());
            }
        }
        try {
            Files.deleteIfExists(lvDir(lv));
        } catch (IOException e) {
            LOG.debug("bitmap directory of removed LV {} stays: {}", lv, e.toString());
        }
    }

    /** Writes every consistent bitmap with its in-use flag cleared: call once no more writes can reach the LVs. */
    @Override
    public synchronized void close() {
        List<String> failed = new ArrayList<>();
        lvs.forEach((lv, bitmaps) -> {
            for (DirtyBitmap b : bitmaps.list()) {
                if (b.inconsistent()) {
                    continue;
                }
                try {
                    save(lv, b, false);
                } catch (VolumeException e) {
                    failed.add(lv + ":" + b.name());
                    LOG.error("saving dirty bitmap {} of {} failed; it will load as inconsistent", b.name(), lv, e);
                }
            }
        });
        if (failed.isEmpty()) {
            LOG.info("dirty bitmaps saved");
        }
    }

    private DirtyBitmap require(String lv, String name) {
        return of(lv).find(name).orElseThrow(() -> new VolumeException(ErrorCode.BITMAP_NOT_FOUND,
                "LV " + lv + " has no bitmap '" + name + "'"));
    }

    private LvBitmaps of(String lv) {
        return lvs.computeIfAbsent(lv, k -> new LvBitmaps());
    }

    private void save(String lv, DirtyBitmap b, boolean inUse) {
        try {
            BitmapFile.write(file(lv, b.name()), new BitmapFile.Content(b.granularity(), inUse, b.snapshot()));
        } catch (IOException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "writing bitmap '" + b.name() + "' of " + lv + ": " + e, e);
        }
    }

    private Path lvDir(String lv) {
        int slash = lv.indexOf('/');
        return dir.resolve(lv.substring(0, slash)).resolve(lv.substring(slash + 1));
    }

    private Path file(String lv, String name) {
        return lvDir(lv).resolve(name + BitmapFile.SUFFIX);
    }
}
