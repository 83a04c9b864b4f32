package dev.ferry.nbd.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/** Helpers for hand-written byte fixtures: hex with spaces and comments, and split feeding. */
final class Bytes {

    private Bytes() {
    }

    /** Parses hex, ignoring whitespace and {@code #} comments to the end of each line. */
    static byte[] hex(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            sb.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(sb.toString());
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Feeds {@code bytes} to a fresh channel in the given pieces and returns every decoded message. */
    static List<Object> decode(Supplier<EmbeddedChannel> channels, byte[] bytes, int... splits) {
        EmbeddedChannel ch = channels.get();
        int from = 0;
        for (int split : splits) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, from, split - from));
            from = split;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, from, bytes.length - from));
        List<Object> out = new ArrayList<>();
        for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
            out.add(o);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    /** Bytes of a buffer, released afterwards. */
    static byte[] drain(ByteBuf buf) {
        try {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } finally {
            buf.release();
        }
    }
}
