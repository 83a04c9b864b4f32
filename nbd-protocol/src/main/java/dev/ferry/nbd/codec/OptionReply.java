package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.NBD_INFO_BLOCK_SIZE;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_DESCRIPTION;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_EXPORT;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_NAME;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ACK;
import static dev.ferry.nbd.NbdConstants.NBD_REP_FLAG_ERROR;
import static dev.ferry.nbd.NbdConstants.NBD_REP_INFO;
import static dev.ferry.nbd.NbdConstants.NBD_REP_META_CONTEXT;
import static dev.ferry.nbd.NbdConstants.NBD_REP_SERVER;

import dev.ferry.nbd.export.BlockSizeConstraints;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One option reply: {@code reply magic u64, option u32, reply type u32, length u32, data}. The static
 * factories build each reply kind the server sends (ACK, SERVER, INFO_*, META_CONTEXT, ERR_*).
 *
 * @param option    the option being answered
 * @param replyType NBD_REP_* value
 * @param data      the reply data, already in wire form
 */
public record OptionReply(int option, int replyType, byte[] data) implements ServerHandshakeMessage {

    /** NBD_REP_ACK with no data. */
    public static OptionReply ack(int option) {
        return new OptionReply(option, NBD_REP_ACK, new byte[0]);
    }

    /** NBD_REP_SERVER: name length u32, name, then the description. */
    public static OptionReply server(int option, String name, String description) {
        byte[] n = utf8(name);
        byte[] d = utf8(description);
        return new OptionReply(option, NBD_REP_SERVER,
                ByteBuffer.allocate(4 + n.length + d.length).putInt(n.length).put(n).put(d).array());
    }

    /** NBD_REP_INFO / NBD_INFO_EXPORT: size u64, transmission flags u16. */
    public static OptionReply infoExport(int option, long size, int transmissionFlags) {
        return new OptionReply(option, NBD_REP_INFO, ByteBuffer.allocate(12)
                .putShort((short) NBD_INFO_EXPORT).putLong(size).putShort((short) transmissionFlags).array());
    }

    /** NBD_REP_INFO / NBD_INFO_NAME: the full export name. */
    public static OptionReply infoName(int option, String name) {
        return infoString(option, NBD_INFO_NAME, name);
    }

    /** NBD_REP_INFO / NBD_INFO_DESCRIPTION: a human-readable description. */
    public static OptionReply infoDescription(int option, String description) {
        return infoString(option, NBD_INFO_DESCRIPTION, description);
    }

    /** NBD_REP_INFO / NBD_INFO_BLOCK_SIZE: minimum, preferred and maximum payload, u32 each. */
    public static OptionReply infoBlockSize(int option, BlockSizeConstraints sizes) {
        return new OptionReply(option, NBD_REP_INFO, ByteBuffer.allocate(14).putShort((short) NBD_INFO_BLOCK_SIZE)
                .putInt(sizes.minimum()).putInt(sizes.preferred()).putInt(sizes.maxPayload()).array());
    }

    /** NBD_REP_META_CONTEXT: context id u32, then the context name. */
    public static OptionReply metaContext(int option, int contextId, String name) {
        byte[] n = utf8(name);
        return new OptionReply(option, NBD_REP_META_CONTEXT,
                ByteBuffer.allocate(4 + n.length).putInt(contextId).put(n).array());
    }

    /** An NBD_REP_ERR_* reply carrying a UTF-8 message for humans. */
    public static OptionReply error(int option, int errorType, String message) {
        if ((errorType & NBD_REP_FLAG_ERROR) == 0) {
            throw new IllegalArgumentException("not an error reply type: " + Integer.toHexString(errorType));
        }
        return new OptionReply(option, errorType, utf8(message));
    }

    /** Whether this is an error reply. */
    public boolean isError() {
        return (replyType & NBD_REP_FLAG_ERROR) != 0;
    }

    private static OptionReply infoString(int option, int infoType, String value) {
        byte[] v = utf8(value);
        return new OptionReply(option, NBD_REP_INFO,
                ByteBuffer.allocate(2 + v.length).putShort((short) infoType).put(v).array());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionReply r && r.option == option && r.replyType == replyType
                && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return (31 * option + replyType) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "OptionReply[option=" + option + ", type=0x" + Integer.toHexString(replyType)
                + ", length=" + data.length + "]";
    }
}
