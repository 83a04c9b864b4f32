package dev.ferry.nbd.codec;

import dev.ferry.nbd.NbdConstants;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One option request of the option haggling phase: {@code IHAVEOPT, option u32, length u32, data}, as the
 * client encodes it and the server decodes it. On the server the data is copied out of the network buffer and
 * bounded by {@link OptionRequestDecoder#MAX_OPTION_LENGTH}. Factories build the data of the structured options.
 *
 * @param option NBD_OPT_* value
 * @param data   the option data (never null; never modified)
 */
public record OptionRequest(int option, byte[] data) implements ClientHandshakeMessage {

    /** Creates a request with no data (LIST, ABORT, STRUCTURED_REPLY, EXTENDED_HEADERS). */
    public OptionRequest(int option) {
        this(option, new byte[0]);
    }

    /** NBD_OPT_EXPORT_NAME: the data is the bare name. */
    public static OptionRequest exportName(String name) {
        return new OptionRequest(NbdConstants.NBD_OPT_EXPORT_NAME, utf8(name));
    }

    /** NBD_OPT_INFO or NBD_OPT_GO: {@code name length u32, name, count u16, count x info u16}. */
    public static OptionRequest infoOrGo(int option, String name, int... infoTypes) {
        byte[] n = utf8(name);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infoTypes.length).putInt(n.length).put(n)
                .putShort((short) infoTypes.length);
        for (int info : infoTypes) {
            b.putShort((short) info);
        }
        return new OptionRequest(option, b.array());
    }

    /**
     * NBD_OPT_LIST_META_CONTEXT or NBD_OPT_SET_META_CONTEXT:
     * {@code name length u32, name, n u32, n x (length u32, query)}.
     */
    public static OptionRequest metaContext(int option, String exportName, List<String> queries) {
        byte[] n = utf8(exportName);
        List<byte[]> q = new ArrayList<>(queries.size());
        int length = 4 + n.length + 4;
        for (String query : queries) {
            byte[] bytes = utf8(query);
            q.add(bytes);
            length += 4 + bytes.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length).putInt(n.length).put(n).putInt(q.size());
        for (byte[] bytes : q) {
            b.putInt(bytes.length).put(bytes);
        }
        return new OptionRequest(option, b.array());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionRequest r && r.option == option && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * option + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "OptionRequest[option=" + option + ", length=" + data.length + "]";
    }
}
