package dev.ferry.nbd.codec;

import java.util.Arrays;

/**
 * One option request of the option haggling phase: {@code IHAVEOPT, option u32, length u32, data}.
 * The data is copied out of the network buffer; it is bounded by {@link OptionRequestDecoder#MAX_OPTION_LENGTH}.
 *
 * @param option NBD_OPT_* value
 * @param data   the option data (never null; never modified by the server)
 */
public record OptionRequest(int option, byte[] data) implements ClientHandshakeMessage {

    /** Creates a request with no data. */
    public OptionRequest(int option) {
        this(option, new byte[0]);
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
