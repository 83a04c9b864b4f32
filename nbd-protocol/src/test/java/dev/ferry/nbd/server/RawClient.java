package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.codec.OptionRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A byte-level NBD client over a plain socket, for end-to-end tests that need full control of the wire. */
final class RawClient implements AutoCloseable {

    /** One option reply as received. */
    record OptReply(int option, int type, byte[] data) {
    }

    /** One structured/extended reply chunk as received. */
    record Chunk(int flags, int type, long cookie, long offset, byte[] payload) {
        boolean done() {
            return (flags & NBD_REPLY_FLAG_DONE) != 0;
        }

        int error() {
            return ByteBuffer.wrap(payload).getInt();
        }
    }

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    boolean extended;
    int transmissionFlags;
    long exportSize;

    RawClient(int port) throws IOException {
        this(port, 0);
    }

    /** Connects; a positive {@code receiveBuffer} shrinks SO_RCVBUF before connecting. */
    RawClient(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(20_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting and sends client flags. */
    RawClient greet(int clientFlags) throws IOException {
        assertThat(in.readLong()).isEqualTo(NBDMAGIC);
        assertThat(in.readLong()).isEqualTo(IHAVEOPT);
        assertThat(in.readUnsignedShort()).isEqualTo(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
        out.writeInt(clientFlags);
        out.flush();
        return this;
    }

    void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptReply readOptReply() throws IOException {
        assertThat(in.readLong()).isEqualTo(NBD_REP_MAGIC);
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptReply(option, type, data);
    }

    /** Reads replies up to and including the final one (ACK or an error). */
    List<OptReply> readOptReplies() throws IOException {
        List<OptReply> replies = new ArrayList<>();
        OptReply r;
        do {
            r = readOptReply();
            replies.add(r);
        } while (r.type() != NBD_REP_ACK && (r.type() & NBD_REP_FLAG_ERROR) == 0);
        return replies;
    }

    /** NBD_OPT_INFO/GO data (the option number does not matter for the data). */
    static byte[] exportQuery(String name, int... infos) {
        return OptionRequest.infoOrGo(NBD_OPT_GO, name, infos).data();
    }

    /** NBD_OPT_*_META_CONTEXT data. */
    static byte[] metaQuery(String export, String... queries) {
        return OptionRequest.metaContext(NBD_OPT_SET_META_CONTEXT, export, List.of(queries)).data();
    }

    /** Negotiates: optional SR or extended headers and base:allocation, then GO. */
    RawClient negotiate(String export, boolean structured, boolean extendedHeaders, boolean metaContext)
            throws IOException {
        return metaContext ? negotiate(export, structured, extendedHeaders, BASE_ALLOCATION)
                : negotiate(export, structured, extendedHeaders, new String[0]);
    }

    /** Negotiates: optional SR or extended headers, selects {@code contexts} (all must exist), then GO. */
    RawClient negotiate(String export, boolean structured, boolean extendedHeaders, String... contexts)
            throws IOException {
        greet(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
        if (extendedHeaders) {
            sendOption(NBD_OPT_EXTENDED_HEADERS, new byte[0]);
            assertThat(readOptReply().type()).isEqualTo(NBD_REP_ACK);
            extended = true;
        } else if (structured) {
            sendOption(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(readOptReply().type()).isEqualTo(NBD_REP_ACK);
        }
        if (contexts.length > 0) {
            sendOption(NBD_OPT_SET_META_CONTEXT, metaQuery(export, contexts));
            List<OptReply> r = readOptReplies();
            assertThat(r).hasSize(contexts.length + 1);
            assertThat(r.get(0).type()).isEqualTo(NBD_REP_META_CONTEXT);
        }
        sendOption(NBD_OPT_GO, exportQuery(export, NBD_INFO_BLOCK_SIZE));
        for (OptReply r : readOptReplies()) {
            assertThat(r.type()).as("GO reply").isIn(NBD_REP_INFO, NBD_REP_ACK);
            ByteBuffer b = ByteBuffer.wrap(r.data());
            if (r.type() == NBD_REP_INFO && b.getShort() == NBD_INFO_EXPORT) {
                exportSize = b.getLong();
                transmissionFlags = Short.toUnsignedInt(b.getShort());
            }
        }
        return this;
    }

    void request(int flags, int type, long cookie, long offset, long length) throws IOException {
        request(flags, type, cookie, offset, length, null);
    }

    void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(extended ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        if (extended) {
            out.writeLong(length);
        } else {
            out.writeInt((int) length);
        }
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** Reads a simple reply header; returns {cookie, error}. */
    long[] readSimple() throws IOException {
        assertThat(in.readInt()).isEqualTo(NBD_SIMPLE_REPLY_MAGIC);
        int error = in.readInt();
        long cookie = in.readLong();
        return new long[] {cookie, error};
    }

    Chunk readChunk() throws IOException {
        int magic = in.readInt();
        assertThat(magic).isEqualTo(extended ? NBD_EXTENDED_REPLY_MAGIC : NBD_STRUCTURED_REPLY_MAGIC);
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        long offset = extended ? in.readLong() : -1;
        long length = extended ? in.readLong() : in.readInt() & 0xFFFFFFFFL;
        assertThat(length).isLessThan(64L << 20);
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Chunk(flags, type, cookie, offset, payload);
    }

    /** Reads chunks until one with DONE. */
    List<Chunk> readChunks() throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        Chunk c;
        do {
            c = readChunk();
            chunks.add(c);
        } while (!c.done());
        return chunks;
    }

    /** Reads structured READ chunks into the bytes they describe. */
    byte[] readStructuredData(long offset, int length) throws IOException {
        byte[] data = new byte[length];
        for (Chunk c : readChunks()) {
            ByteBuffer b = ByteBuffer.wrap(c.payload());
            if (c.type() == NBD_REPLY_TYPE_OFFSET_DATA) {
                long at = b.getLong();
                b.get(data, (int) (at - offset), b.remaining());
            } else if (c.type() != NBD_REPLY_TYPE_OFFSET_HOLE && c.type() != NBD_REPLY_TYPE_NONE) {
                throw new AssertionError("unexpected chunk type " + c.type() + " error " + c.error());
            }
        }
        return data;
    }

    /** Whether the server closed the connection (EOF) before {@code timeoutMs}. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain whatever is still buffered
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
