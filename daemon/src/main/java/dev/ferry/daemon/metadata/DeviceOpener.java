package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.file.Path;

/** Opens the metadata device behind a PV path; injected so tests can interpose faults. */
@FunctionalInterface
public interface DeviceOpener {

    /** Opens an existing device for reading and writing. */
    MetadataDevice open(Path path) throws IOException;

    /** The production opener: a {@link FileMetadataDevice} per path. */
    static DeviceOpener files() {
        return FileMetadataDevice::open;
    }
}
