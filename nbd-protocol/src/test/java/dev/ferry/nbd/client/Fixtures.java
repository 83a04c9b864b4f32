package dev.ferry.nbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** Helpers for hand-written wire fixtures. */
final class Fixtures {

    private Fixtures() {
    }

    /** Concatenates hex fields (spaces allowed) into one byte array. */
    static byte[] hex(String... fields) {
        return ByteBufUtil.decodeHexDump(String.join("", fields).replace(" ", ""));
    }

    /** A fresh heap buffer holding the bytes. */
    static ByteBuf buf(byte[] bytes) {
        return Unpooled.copiedBuffer(bytes);
    }

    /** Concatenates byte arrays. */
    static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }
}
