package dev.ferry.nbd.client;

/** One export a server listed in answer to NBD_OPT_LIST. */
public record NbdExport(String name, String description) {
}
