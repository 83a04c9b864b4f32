package dev.ferry.mapper.block;

import java.io.IOException;
import java.util.List;

/**
 * What differs between a regular file and a block device under {@link FileBlockDevice}: size,
 * deallocation, zeroing and allocation queries. Methods block and run on I/O threads.
 */
interface Medium {

    /** Most extents one {@link #allocation} call reports. */
    int MAX_EXTENTS = 1024;

    /** Size in bytes. */
    long size() throws IOException;

    /** Whether this is a regular file (so file spans may be offered). */
    boolean regularFile();

    /** Deallocates what it can of a range; unsupported deallocation is skipped. */
    void discard(long offset, long length) throws IOException;

    /** Makes a range read as zeroes, deallocating it if {@code mayUnmap} and possible. */
    void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException;

    /** Whether zeroing avoids writing data. */
    boolean fastZeroes();

    /** Allocation of {@code [offset, offset + length)}, at most {@link #MAX_EXTENTS} extents from {@code offset}. */
    List<Extent> allocation(long offset, long length) throws IOException;
}
