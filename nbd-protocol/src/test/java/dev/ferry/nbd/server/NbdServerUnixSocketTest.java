package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NbdServer#startOnUnixSocket}: the socket file's mode follows whether access rules are configured, the access
 * check sees the peer's kernel-reported credentials, a stale socket is replaced, a live one or another kind of file is
 * refused, and close removes the file.
 */
class NbdServerUnixSocketTest {

    @TempDir
    Path dir;

    private static NbdServer server(ExportAccess access) {
        return NbdServer.builder().catalog(new TestCatalog(new MemoryExport("a", 1 << 20),
                new MemoryExport("b", 1 << 20))).access(access).build();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Connects, negotiates fixed newstyle and returns the names NBD_OPT_LIST answers. */
    private static List<String> list(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer greeting = read(ch, 18);
            assertThat(greeting.getLong()).isEqualTo(NBDMAGIC);
            ch.write(ByteBuffer.allocate(4).putInt(0, NBD_FLAG_C_FIXED_NEWSTYLE));
            ch.write(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(NBD_OPT_LIST).putInt(0).flip());
            List<String> names = new ArrayList<>();
            while (true) {
                ByteBuffer header = read(ch, 20);
                assertThat(header.getLong()).isEqualTo(NBD_REP_MAGIC);
                header.getInt();
                int type = header.getInt();
                ByteBuffer data = read(ch, header.getInt());
                if (type == NBD_REP_ACK) {
                    return names;
                }
                byte[] name = new byte[data.getInt()];
                data.get(name);
                names.add(new String(name, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("closed after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.flip();
    }

    @Test
    void withoutRulesOnlyTheOwnerMayConnectAndCloseRemovesTheSocket() throws Exception {
        Path socket = dir.resolve("nbd.sock");
        NbdServer s = server(ExportAccess.OPEN);
        s.startOnUnixSocket(socket);
        try {
            assertThat(mode(socket)).isEqualTo("rw-------");
            assertThat(list(socket)).containsExactly("a", "b");
        } finally {
            s.close();
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void withRulesEveryoneMayConnectAndTheRulesSeeTheKernelsCredentials() throws Exception {
        Path socket = dir.resolve("nbd.sock");
        List<NbdPeer> asked = new CopyOnWriteArrayList<>();
        NbdServer s = server((peer, name) -> {
            asked.add(peer);
            return name.equals("b") ? Grant.READ_ONLY : Grant.DENY;
        });
        s.startOnUnixSocket(socket);
        try {
            assertThat(mode(socket)).isEqualTo("rw-rw-rw-");
            assertThat(list(socket)).containsExactly("b");
        } finally {
            s.close();
        }
        assertThat(asked).isNotEmpty().allSatisfy(peer -> {
            assertThat(peer.address()).isEmpty();
            assertThat(peer.credentials()).hasValueSatisfying(c -> {
                assertThat(c.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(c.uid()).isEqualTo(new com.sun.security.auth.module.UnixSystem().getUid());
            });
        });
    }

    @Test
    void aStaleSocketIsReplacedAndALiveOneOrAnotherFileIsRefused() throws Exception {
        Path socket = dir.resolve("nbd.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        NbdServer first = server(ExportAccess.OPEN);
        first.startOnUnixSocket(socket);
        try {
            assertThatThrownBy(() -> server(ExportAccess.OPEN).startOnUnixSocket(socket))
                    .isInstanceOf(BindException.class).hasMessageContaining("another server listens on " + socket);
            assertThat(list(socket)).containsExactly("a", "b");
        } finally {
            first.close();
        }
        Path file = Files.writeString(dir.resolve("file"), "data");
        assertThatThrownBy(() -> server(ExportAccess.OPEN).startOnUnixSocket(file))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("is not a socket");
        assertThat(Files.readString(file)).isEqualTo("data");
    }
}
