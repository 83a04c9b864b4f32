package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.server.ServerTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.FileReadExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Zero-copy file reads (FileRegion/sendfile/splice) on every transport, with pins released exactly once, and a send
 * that fails reported to the read's {@link dev.ferry.nbd.export.ReadResult.SendFailure} before its pin is released.
 */
class FileReadEndToEndTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void fileReadsAreServedAndEveryPinIsReleasedOnce(Transport transport) throws Exception {
        byte[] content = ServerFixture.pattern(1 << 20, 11);
        Path file = dir.resolve("disk.img");
        Files.write(file, content);
        try (FileReadExport export = new FileReadExport(file)) {
            NbdServer server = NbdServer.builder().catalog(new TestCatalog(export)).port(0).transport(transport)
                    .build();
            try {
                int port = server.start().getPort();
                try (RawClient simple = new RawClient(port).negotiate("file", false, false, false);
                     RawClient structured = new RawClient(port).negotiate("file", true, false, false)) {
                    for (int i = 0; i < 16; i++) {
                        int offset = i * 65536;
                        simple.request(0, NBD_CMD_READ, i, offset, 65536);
                        assertThat(simple.readSimple()).containsExactly(i, 0);
                        byte[] back = new byte[65536];
                        simple.in.readFully(back);
                        assertThat(back).isEqualTo(Arrays.copyOfRange(content, offset, offset + 65536));
                        structured.request(0, NBD_CMD_READ, i, offset, 4096);
                        assertThat(structured.readStructuredData(offset, 4096))
                                .isEqualTo(Arrays.copyOfRange(content, offset, offset + 4096));
                    }
                    simple.request(0, NBD_CMD_WRITE, 99, 0, 4, new byte[4]);
                    assertThat(simple.readSimple()).containsExactly(99, NBD_EPERM);
                }
                await("every pin released", () -> export.pinsReleased() == export.pinsTaken());
                assertThat(export.pinsTaken()).isEqualTo(32);
                assertThat(export.channel().isOpen()).as("shared channel left open").isTrue();
            } finally {
                server.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aFileReadWhoseSendFailsIsReportedOnceBeforeItsPinIsReleasedAndTheConnectionCloses(Transport transport)
            throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, ServerFixture.pattern(1 << 20, 13));
        try (FileReadExport export = new FileReadExport(file)) {
            try (FileChannel shrink = FileChannel.open(file, StandardOpenOption.WRITE)) {
                shrink.truncate(512 * 1024); // the export still says 1 MiB: its second half cannot be read
            }
            NbdServer server = NbdServer.builder().catalog(new TestCatalog(export)).port(0).transport(transport)
                    .build();
            try {
                int port = server.start().getPort();
                try (RawClient client = new RawClient(port).negotiate("file", false, false, false)) {
                    client.request(0, NBD_CMD_READ, 1, 768 * 1024, 65536);
                    assertThat(client.closedByServer()).as("the reply was under way: the connection closes").isTrue();
                }
                await("the pin released", () -> export.pinsReleased() == 1);
                assertThat(export.failedSends()).singleElement().satisfies(failed -> {
                    assertThat(failed.cause()).isInstanceOf(IOException.class);
                    assertThat(failed.pinsReleasedBefore()).as("reported before the pin is released").isZero();
                });
                assertThat(export.pinsTaken()).isEqualTo(1);
            } finally {
                server.close();
            }
        }
    }
}
