package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A handshake message the client sends: its flags, or one option request (spec "Option haggling").
 * Factories build the option data of the options this client uses.
 */
public sealed interface OptionRequest {

    /** The 32-bit client flags sent once after the greeting. */
    record ClientFlags(int flags) implements OptionRequest {
    }

    /**
     * One option: {@code IHAVEOPT, option u32, length u32, data}.
     *
     * @param option NBD_OPT_* value
     * @param data   option data (copied; the record never exposes its array)
     */
    record Option(int option, byte[] data) implements OptionRequest {
        /** Copies the data. */
        public Option {
            data = data.clone();
        }

        /** A copy of the option data. */
        @Override
        public byte[] data() {
            return data.clone();
        }

        /** Length of the option data. */
        public int length() {
            return data.length;
        }

        /** Writes the option data. */
        void writeDataTo(io.netty.buffer.ByteBuf out) {
            out.writeBytes(data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Option other && option == other.option && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            return 31 * option + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Option[option=" + option + ", length=" + data.length + "]";
        }
    }

    /** An option without data (LIST, ABORT, STRUCTURED_REPLY, EXTENDED_HEADERS). */
    static Option empty(int option) {
        return new Option(option, new byte[0]);
    }

    /** NBD_OPT_EXPORT_NAME: the data is the bare name. */
    static Option exportName(String name) {
        return new Option(NbdConstants.NBD_OPT_EXPORT_NAME, name.getBytes(StandardCharsets.UTF_8));
    }

    /** NBD_OPT_INFO or NBD_OPT_GO: {@code name length u32, name, count u16, count x info u16}. */
    static Option infoOrGo(int option, String name, int... infos) {
        return build(option, out -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            out.writeInt(n.length);
            out.write(n);
            out.writeShort(infos.length);
            for (int info : infos) {
                out.writeShort(info);
            }
        });
    }

    /** NBD_OPT_SET_META_CONTEXT or LIST_META_CONTEXT: {@code name length u32, name, n u32, n x (len u32, query)}. */
    static Option metaContext(int option, String exportName, List<String> queries) {
        return build(option, out -> {
            byte[] n = exportName.getBytes(StandardCharsets.UTF_8);
            out.writeInt(n.length);
            out.write(n);
            out.writeInt(queries.size());
            for (String q : queries) {
                byte[] b = q.getBytes(StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
        });
    }

    /** Writes option data with a {@link DataOutputStream} (big-endian, as the wire). */
    private static Option build(int option, DataWriter writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Option(option, bytes.toByteArray());
    }

    /** Body of {@link #build}. */
    @FunctionalInterface
    interface DataWriter {
        /** Writes the option data. */
        void write(DataOutputStream out) throws IOException;
    }
}
