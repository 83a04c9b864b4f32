package dev.ferry.daemon.control;

/** Decides whether operation routes are answered now; the daemon process refuses them unless RUNNING. */
@FunctionalInterface
public interface ControlGate {
    /** A gate that always accepts. */
    ControlGate OPEN = () -> { };

    /** Returns normally when operations are accepted, else throws the 503 refusal to answer with. */
    void checkAcceptsOperations() throws ControlException;
}
