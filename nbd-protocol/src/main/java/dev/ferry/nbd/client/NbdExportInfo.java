package dev.ferry.nbd.client;

import dev.ferry.nbd.export.BlockSizeConstraints;

/**
 * What the server said about an export during negotiation (NBD_INFO_* or the EXPORT_NAME reply).
 *
 * @param name              the canonical name (NBD_INFO_NAME), else the name the client asked for
 * @param description       NBD_INFO_DESCRIPTION, or "" when not sent
 * @param size              export size in bytes
 * @param transmissionFlags NBD_FLAG_* transmission flags (u16)
 * @param blockSize         NBD_INFO_BLOCK_SIZE, or null when the server did not advertise constraints
 */
public record NbdExportInfo(String name, String description, long size, int transmissionFlags,
                            BlockSizeConstraints blockSize) {

    /** Whether a transmission flag (e.g. {@code NBD_FLAG_SEND_FUA}) is set. */
    public boolean hasFlag(int flag) {
        return (transmissionFlags & flag) == flag;
    }
}
