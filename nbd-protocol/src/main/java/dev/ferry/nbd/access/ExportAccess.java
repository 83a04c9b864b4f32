package dev.ferry.nbd.access;

/**
 * Decides whether a peer may open an export, and how: the server asks at {@code NBD_OPT_LIST} (to list only granted
 * exports) and at {@code NBD_OPT_INFO}, {@code NBD_OPT_GO}, {@code NBD_OPT_EXPORT_NAME} and the meta-context options
 * (to refuse the others). It is asked on a Netty event loop, so it must answer from memory, without blocking.
 */
@FunctionalInterface
public interface ExportAccess {

    /** Every peer may open every export read-write: the server's behaviour when nothing else is configured. */
    ExportAccess OPEN = (peer, exportName) -> Grant.READ_WRITE;

    /** What {@code peer} may do with the export named {@code exportName} (its own name, not an alias the client used). */
    Grant grant(NbdPeer peer, String exportName);
}
