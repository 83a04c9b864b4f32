package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.file.Path;

/** Opens the metadata device behind a PV path or a remote PV's URI; injected so tests can interpose faults. */
@FunctionalInterface
public interface DeviceOpener {

    /** Opens an existing device for reading and writing. */
    MetadataDevice open(Path path) throws IOException;

    /**
     * Connects to the remote PV at {@code uri} (a canonical NBD URI) for reading and writing its label and metadata
     * area; this opener refuses, as openers of local files do.
     */
    default MetadataDevice openRemote(String uri) throws IOException {
        throw new IOException("remote PV " + uri + " cannot be opened: this daemon part opens local files only");
    }

    /** The production opener of local files: a {@link FileMetadataDevice} per path. */
    static DeviceOpener files() {
        return FileMetadataDevice::open;
    }
}
