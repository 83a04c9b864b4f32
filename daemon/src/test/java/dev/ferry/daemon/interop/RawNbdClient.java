package dev.ferry.daemon.interop;

import static dev.ferry.nbd.NbdConstants.IHAVEOPT;
import static dev.ferry.nbd.NbdConstants.NBDMAGIC;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_FIXED_NEWSTYLE;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_NO_ZEROES;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_EXPORT;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ACK;
import static dev.ferry.nbd.NbdConstants.NBD_REP_INFO;
import static dev.ferry.nbd.NbdConstants.NBD_REP_MAGIC;
import static dev.ferry.nbd.NbdConstants.NBD_REQUEST_MAGIC;
import static dev.ferry.nbd.NbdConstants.NBD_SIMPLE_REPLY_MAGIC;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately minimal NBD client over a plain socket that sends exactly the bytes a test asks for
 * (simple replies only), so tests can also send what no well-behaved client would.
 */
final class RawNbdClient implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int handshakeFlags;

    /** An option reply: the option it answers, its type and data. */
    record OptionReply(int option, int type, byte[] data) {
    }

    /** A simple reply: error 0 for success, then the read data if any. */
    record SimpleReply(int error, long cookie, byte[] data) {
    }

    /** What GO negotiated. */
    record Export(long size, int transmissionFlags) {
    }

    private RawNbdClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
        long magic = in.readLong();
        long opt = in.readLong();
        if (magic != NBDMAGIC || opt != IHAVEOPT) {
            throw new IOException("not a fixed-newstyle NBD server: " + Long.toHexString(magic));
        }
        this.handshakeFlags = in.readUnsignedShort();
    }

    /** Connects and reads the server's greeting. */
    static RawNbdClient connect(int port) {
        return connectFrom(null, port);
    }

    /**
     * Connects from source address {@code local} (any loopback address, e.g. 127.0.0.2; null lets the kernel choose)
     * to 127.0.0.1:{@code port} and reads the server's greeting.
     */
    static RawNbdClient connectFrom(String local, int port) {
        try {
            Socket s = new Socket();
            if (local != null) {
                s.bind(new InetSocketAddress(local, 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            return new RawNbdClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects and negotiates {@code exportName} with GO. */
    static RawNbdClient attach(int port, String exportName) {
        RawNbdClient c = connect(port);
        c.sendClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
        c.go(exportName);
        return c;
    }

    int handshakeFlags() {
        return handshakeFlags;
    }

    void sendClientFlags(int flags) {
        io(() -> {
            out.writeInt(flags);
            out.flush();
        });
    }

    void sendOption(int option, byte[] data) {
        io(() -> {
            out.writeLong(IHAVEOPT);
            out.writeInt(option);
            out.writeInt(data.length);
            out.write(data);
            out.flush();
        });
    }

    OptionReply readOptionReply() {
        try {
            long magic = in.readLong();
            if (magic != NBD_REP_MAGIC) {
                throw new AssertionError("bad option reply magic " + Long.toHexString(magic));
            }
            int option = in.readInt();
            int type = in.readInt();
            int length = in.readInt();
            if (length < 0 || length > 1 << 20) {
                throw new AssertionError("implausible option reply length " + length);
            }
            byte[] data = new byte[length];
            in.readFully(data);
            return new OptionReply(option, type, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The data of an NBD_OPT_GO / NBD_OPT_INFO for {@code name} without info requests. */
    static byte[] goData(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + n.length + 2).putInt(n.length).put(n).putShort((short) 0).array();
    }

    /** Sends GO and reads replies up to the ACK; an error reply fails the test. */
    Export go(String name) {
        sendOption(NBD_OPT_GO, goData(name));
        long size = -1;
        int flags = -1;
        while (true) {
            OptionReply r = readOptionReply();
            if (r.type() == NBD_REP_ACK) {
                if (size < 0) {
                    throw new AssertionError("GO acknowledged without NBD_INFO_EXPORT");
                }
                return new Export(size, flags);
            }
            if (r.type() != NBD_REP_INFO) {
                throw new AssertionError("GO " + name + " answered with reply type 0x" + Integer.toHexString(r.type()));
            }
            ByteBuffer info = ByteBuffer.wrap(r.data());
            if (info.getShort() == NBD_INFO_EXPORT) {
                size = info.getLong();
                flags = info.getShort() & 0xffff;
            }
        }
    }

    /** Sends a request header (and {@code payload} when not null). */
    void request(int flags, int type, long cookie, long offset, int length, byte[] payload) {
        requestWithMagic(NBD_REQUEST_MAGIC, flags, type, cookie, offset, length, payload);
    }

    void requestWithMagic(int magic, int flags, int type, long cookie, long offset, int length, byte[] payload) {
        io(() -> {
            out.writeInt(magic);
            out.writeShort(flags);
            out.writeShort(type);
            out.writeLong(cookie);
            out.writeLong(offset);
            out.writeInt(length);
            if (payload != null) {
                out.write(payload);
            }
            out.flush();
        });
    }

    /** Reads a simple reply; on success it carries {@code dataLength} bytes of read data. */
    SimpleReply readSimpleReply(int dataLength) {
        try {
            int magic = in.readInt();
            if (magic != NBD_SIMPLE_REPLY_MAGIC) {
                throw new AssertionError("bad simple reply magic 0x" + Integer.toHexString(magic));
            }
            int error = in.readInt();
            long cookie = in.readLong();
            byte[] data = new byte[error == 0 ? dataLength : 0];
            in.readFully(data);
            return new SimpleReply(error, cookie, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads and drops whatever the server still sends until it closes the connection; true if it
     * closed within the socket timeout, false if it kept the connection open.
     */
    boolean closedByServer() {
        byte[] sink = new byte[8192];
        try {
            while (in.read(sink) >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the socket abruptly (RST), as a crashing client would. */
    void abort() {
        io(() -> {
            socket.setSoLinger(true, 0);
            socket.close();
        });
    }

    @Override
    public void close() {
        io(socket::close);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
