package dev.ferry.daemon.serve;

import dev.ferry.daemon.command.CommandFailure;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks the file to serve and creates it sparse when it is missing and a size was given. */
public final class BackingFile {

    private static final Logger log = LoggerFactory.getLogger(BackingFile.class);

    private BackingFile() {
    }

    /**
     * Makes sure {@code path} exists: an existing file or block device is used as is; a missing one is
     * created as a sparse file of {@code createSize} bytes (with its parent directories when
     * {@code createParents}), and without a size it is a usage error.
     *
     * @return whether the file was created
     */
    public static boolean prepare(Path path, OptionalLong createSize, boolean createParents) {
        if (Files.isDirectory(path)) {
            throw CommandFailure.usage(path + ": is a directory, expected a file or block device");
        }
        if (Files.exists(path)) {
            if (!Files.isReadable(path)) {
                throw CommandFailure.usage(path + ": permission denied");
            }
            return false;
        }
        if (createSize.isEmpty()) {
            throw CommandFailure.usage(path + ": no such file (pass --size SIZE to create it as a sparse file)");
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (createParents && parent != null) {
                Files.createDirectories(parent);
            } else if (parent != null && !Files.isDirectory(parent)) {
                throw CommandFailure.usage(path + ": directory " + parent + " does not exist");
            }
            try (RandomAccessFile file = new RandomAccessFile(Files.createFile(path).toFile(), "rw")) {
                file.setLength(createSize.getAsLong());
            }
        } catch (IOException e) {
            throw new CommandFailure(CommandFailure.RUNTIME, path + ": cannot create: " + e.getMessage(), e);
        }
        log.info("created sparse file {} of {} bytes", path, createSize.getAsLong());
        return true;
    }
}
