package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_CACHE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdExportInfo;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A {@link Connection} over one {@link NbdClient}, whose validation and reply handling it reuses. */
final class NbdClientConnection implements Connection {

    private final NbdClient client;

    NbdClientConnection(NbdClient client) {
        this.client = client;
    }

    @Override
    public NbdExportInfo export() {
        return client.export();
    }

    @Override
    public Map<String, Integer> metaContexts() {
        return client.metaContexts();
    }

    @Override
    public CompletableFuture<Object> send(Op op) {
        CompletableFuture<?> sent = switch (op.type) {
            case NBD_CMD_READ -> client.read(op.offset, Math.toIntExact(op.length), op.flags);
            case NBD_CMD_WRITE -> client.write(op.offset, op.payloadForSend(), op.flags);
            case NBD_CMD_FLUSH -> client.flush();
            case NBD_CMD_TRIM -> client.trim(op.offset, op.length, op.flags);
            case NBD_CMD_WRITE_ZEROES -> client.writeZeroes(op.offset, op.length, op.flags);
            case NBD_CMD_CACHE -> client.cache(op.offset, op.length);
            case NBD_CMD_BLOCK_STATUS -> client.blockStatus(op.offset, op.length,
                    (op.flags & NBD_CMD_FLAG_REQ_ONE) != 0);
            default -> CompletableFuture.failedFuture(new IllegalArgumentException("unsupported " + op.describe()));
        };
        return sent.thenApply(r -> r);
    }

    @Override
    public CompletableFuture<Void> closed() {
        return client.closeFuture();
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }
}
