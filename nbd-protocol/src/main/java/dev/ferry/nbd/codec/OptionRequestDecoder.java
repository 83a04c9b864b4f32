package dev.ferry.nbd.codec;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes what a client sends during the fixed-newstyle handshake (spec "Fixed newstyle negotiation").
 *
 * <pre>
 * Client flags (once, right after the server greeting):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                      client flags (u32)                       |
 * +---------------------------------------------------------------+
 *
 * Option request (repeated):
 * +---------------------------------------------------------------+
 * |                 IHAVEOPT 0x49484156454F5054 (u64)             |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                         option (u32)                          |
 * +---------------------------------------------------------------+
 * |                      data length (u32)                        |
 * +---------------------------------------------------------------+
 * |                  data (length bytes) ...                      |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Option data up to {@link #MAX_OPTION_LENGTH} is delivered as an {@link OptionRequest}. Longer data
 * is reported at once as an {@link OversizedOption} and then skipped as it arrives, never buffered;
 * beyond {@link #MAX_OPTION_SKIP} the client is treated as abusive ({@link HandshakeViolation}).
 * A bad option magic also yields a {@link HandshakeViolation}, after which all input is discarded.
 */
public final class OptionRequestDecoder extends ByteToMessageDecoder {

    /** Longest option data buffered (64 KiB): far above any legitimate option. */
    public static final int MAX_OPTION_LENGTH = 64 * 1024;
    /** Longest option data skipped before the client is treated as abusive (1 MiB). */
    public static final long MAX_OPTION_SKIP = 1024 * 1024;
    /** Length of the client flags field. */
    public static final int CLIENT_FLAGS_LENGTH = 4;
    /** Length of an option request header: magic u64, option u32, length u32. */
    public static final int OPTION_HEADER_LENGTH = 16;

    /** Decoder states; the handshake moves through them in order, looping on options. */
    enum State {
        /** Waiting for the four bytes of client flags. */
        READ_CLIENT_FLAGS,
        /** Waiting for a 16-byte option header. */
        READ_OPTION_HEADER,
        /** Waiting for {@code dataLength} bytes of option data (at most {@link #MAX_OPTION_LENGTH}). */
        READ_OPTION_DATA,
        /** Discarding {@code skipRemaining} bytes of oversized option data as they arrive. */
        SKIP_OPTION_DATA,
        /** Framing is lost; everything is discarded until the connection closes. */
        DISCARD
    }

    private State state = State.READ_CLIENT_FLAGS;
    private int option;
    private int dataLength;
    private long skipRemaining;

    /** Creates a decoder expecting the client flags first. */
    public OptionRequestDecoder() {
    }

    /** Creates a decoder that expects option requests at once (client flags already read). */
    public static OptionRequestDecoder afterClientFlags() {
        OptionRequestDecoder decoder = new OptionRequestDecoder();
        decoder.state = State.READ_OPTION_HEADER;
        return decoder;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_CLIENT_FLAGS -> {
                if (in.readableBytes() >= CLIENT_FLAGS_LENGTH) {
                    out.add(new ClientFlags(in.readInt()));
                    state = State.READ_OPTION_HEADER;
                }
            }
            case READ_OPTION_HEADER -> readHeader(in, out);
            case READ_OPTION_DATA -> {
                if (in.readableBytes() >= dataLength) {
                    byte[] data = new byte[dataLength];
                    in.readBytes(data);
                    out.add(new OptionRequest(option, data));
                    state = State.READ_OPTION_HEADER;
                }
            }
            case SKIP_OPTION_DATA -> {
                int n = (int) Math.min(skipRemaining, in.readableBytes());
                in.skipBytes(n);
                skipRemaining -= n;
                if (skipRemaining == 0) {
                    state = State.READ_OPTION_HEADER;
                }
            }
            case DISCARD -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException("unknown state " + state);
        }
    }

    private void readHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < OPTION_HEADER_LENGTH) {
            return;
        }
        long magic = in.readLong();
        option = in.readInt();
        long length = in.readUnsignedInt();
        if (magic != NbdConstants.IHAVEOPT) {
            state = State.DISCARD;
            in.skipBytes(in.readableBytes());
            out.add(new HandshakeViolation(String.format("bad option magic 0x%016x", magic)));
        } else if (length > MAX_OPTION_SKIP) {
            state = State.DISCARD;
            in.skipBytes(in.readableBytes());
            out.add(new HandshakeViolation("option " + option + " claims " + length + " bytes of data"));
        } else if (length > MAX_OPTION_LENGTH) {
            state = State.SKIP_OPTION_DATA;
            skipRemaining = length;
            out.add(new OversizedOption(option, length));
        } else if (length == 0) {
            out.add(new OptionRequest(option)); // nothing more to wait for
        } else {
            state = State.READ_OPTION_DATA;
            dataLength = (int) length;
        }
    }

    /** The current state (for tests and diagnostics). */
    State state() {
        return state;
    }

    /** Bytes currently held in the cumulation (for tests: must stay bounded). */
    int bufferedBytes() {
        return internalBuffer().readableBytes();
    }
}
