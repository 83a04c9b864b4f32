package dev.ferry.daemon.remote;

import dev.ferry.daemon.metadata.MetadataFormatException;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.nbd.client.NbdExportInfo;
import dev.ferry.nbd.client.resilient.ReconnectCheck;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The PV identity a remote PV's connection has seen, and the {@link ReconnectCheck} that holds a new connection to
 * it: the Ferry PV label ({@link PvLabel}) last read or written at the start of the export through this connection
 * is the identity; a reconnection whose export carries another PV's label, a damaged label, or no label where one
 * was, is refused (the link then fails, and the PV is lost). Before any label was seen (a {@code pvcreate} in
 * progress) every export passes and its label becomes the identity.
 */
final class LabelIdentity implements ReconnectCheck {
    /** No label seen yet. */
    private static final Object UNSEEN = new Object();
    /** The export carried no Ferry label. */
    private static final Object NONE = new Object();

    private final String uri;
    /** {@link #UNSEEN}, {@link #NONE}, or the PV's {@link UUID}. */
    private volatile Object seen = UNSEEN;

    LabelIdentity(String uri) {
        this.uri = uri;
    }

    /** Records the label in {@code bytes} (at least {@link PvLabel#SIZE} bytes from offset 0), read or written. */
    void observe(ByteBuffer bytes) {
        try {
            seen = identity(bytes);
        } catch (MetadataFormatException e) {
            seen = UNSEEN;   // a damaged label is no identity to hold a reconnect to
        }
    }

    @Override
    public CompletionStage<Void> verify(NbdExportInfo export, Reader reader) {
        return reader.read(0, (int) Math.min(PvLabel.SIZE, export.size())).thenAccept(buf -> {
            try {
                ByteBuffer bytes = ByteBuffer.allocate(PvLabel.SIZE);
                buf.getBytes(buf.readerIndex(), bytes.duplicate().limit(buf.readableBytes()));
                check(bytes);
            } finally {
                buf.release();
            }
        });
    }

    private void check(ByteBuffer bytes) {
        Object now;
        try {
            now = identity(bytes);
        } catch (MetadataFormatException e) {
            throw new CompletionException(new IllegalStateException("identity changed: the PV label on " + uri
                    + " is damaged now (" + e.getMessage() + ")"));
        }
        Object before = seen;
        if (before != UNSEEN && before != NONE && !before.equals(now)) {
            throw new CompletionException(new IllegalStateException("identity changed: the export " + uri
                    + " carries " + (now == NONE ? "no Ferry PV label" : "PV " + now) + " where it carried PV "
                    + before));
        }
        seen = now;
    }

    private static Object identity(ByteBuffer bytes) throws MetadataFormatException {
        Optional<PvLabel> label = PvLabel.decode(bytes);
        return label.<Object>map(PvLabel::pvUuid).orElse(NONE);
    }
}
