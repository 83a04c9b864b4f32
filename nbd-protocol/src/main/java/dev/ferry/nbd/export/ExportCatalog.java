package dev.ferry.nbd.export;

import java.util.List;
import java.util.Optional;

/** The set of exports a server offers, looked up by name at negotiation time. */
public interface ExportCatalog {

    /** The export called {@code name}; the empty name selects the default export, if there is one. */
    Optional<Export> find(String name);

    /** All exports, in the order NBD_OPT_LIST reports them. */
    List<Export> list();
}
