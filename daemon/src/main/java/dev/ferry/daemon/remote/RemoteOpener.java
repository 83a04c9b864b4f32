package dev.ferry.daemon.remote;

import java.io.IOException;

/** Opens the data device of a remote PV; what activation needs of {@link RemotePvs}. */
@FunctionalInterface
public interface RemoteOpener {
    /** Without a remote-PV layer: every remote PV is refused. */
    RemoteOpener NONE = uri -> {
        throw new IOException("remote PV " + uri + " cannot be opened: no remote-PV layer in this daemon part");
    };

    /**
     * The data device of the remote PV at {@code uri} (canonical), sharing the PV's connection when one is usable;
     * closing the device gives up this use of the connection.
     */
    NbdBlockDevice openData(String uri) throws IOException;
}
