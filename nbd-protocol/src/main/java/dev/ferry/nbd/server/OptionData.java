package dev.ferry.nbd.server;

import dev.ferry.nbd.NbdConstants;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsers for the structured option payloads (NBD_OPT_INFO/GO and NBD_OPT_*_META_CONTEXT); every
 * length is checked against the bytes actually present, and malformed data yields {@link Malformed}.
 */
final class OptionData {

    /** Thrown for option data that does not match its declared layout; answered with ERR_INVALID. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** NBD_OPT_INFO / NBD_OPT_GO data: {@code name length u32, name, n u16, n x info type u16}. */
    record ExportQuery(String name, List<Integer> infoTypes) {
    }

    /** META_CONTEXT data: {@code name length u32, name, n u32, n x (length u32, query)}. */
    record MetaContextQuery(String exportName, List<String> queries) {
    }

    private OptionData() {
    }

    static ExportQuery parseExportQuery(byte[] data) throws Malformed {
        ByteBuffer b = ByteBuffer.wrap(data);
        try {
            String name = readString(b);
            int n = Short.toUnsignedInt(b.getShort());
            if (b.remaining() != 2 * n) {
                throw new Malformed("info request count " + n + " does not match the " + b.remaining()
                        + " bytes left");
            }
            List<Integer> types = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                types.add(Short.toUnsignedInt(b.getShort()));
            }
            return new ExportQuery(name, types);
        } catch (BufferUnderflowException e) {
            throw new Malformed("option data truncated");
        }
    }

    static MetaContextQuery parseMetaContextQuery(byte[] data) throws Malformed {
        ByteBuffer b = ByteBuffer.wrap(data);
        try {
            String name = readString(b);
            long n = Integer.toUnsignedLong(b.getInt());
            if (n * 4 > b.remaining()) {
                throw new Malformed("query count " + n + " overruns the option data");
            }
            List<String> queries = new ArrayList<>((int) n);
            for (long i = 0; i < n; i++) {
                queries.add(readString(b));
            }
            if (b.hasRemaining()) {
                throw new Malformed(b.remaining() + " trailing bytes after the queries");
            }
            return new MetaContextQuery(name, queries);
        } catch (BufferUnderflowException e) {
            throw new Malformed("option data truncated");
        }
    }

    /** Reads {@code length u32, UTF-8 bytes}, bounded by the data present and the spec's 4096 bytes. */
    private static String readString(ByteBuffer b) throws Malformed {
        long length = Integer.toUnsignedLong(b.getInt());
        if (length > b.remaining()) {
            throw new Malformed("string length " + length + " overruns the option data");
        }
        if (length > NbdConstants.MAX_STRING_LENGTH) {
            throw new Malformed("string longer than " + NbdConstants.MAX_STRING_LENGTH + " bytes");
        }
        ByteBuffer slice = b.slice();
        slice.limit((int) length);
        b.position(b.position() + (int) length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("string is not valid UTF-8");
        }
    }
}
