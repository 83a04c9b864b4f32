package dev.ferry.nbd.client.resilient;

/** Told about every state change of a {@link ResilientNbdClient}'s link, on the client's event loop: never block. */
@FunctionalInterface
public interface LinkListener {

    /** The link moved from {@code before.state()} to {@code after.state()}. */
    void changed(LinkHealth before, LinkHealth after);
}
