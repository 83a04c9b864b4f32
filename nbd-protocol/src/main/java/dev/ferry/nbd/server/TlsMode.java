package dev.ferry.nbd.server;

/**
 * Whether the server speaks TLS (spec "TLS support"): {@link #OFF} is the spec's NOTLS mode (STARTTLS is answered
 * NBD_REP_ERR_UNSUP), {@link #ON} offers STARTTLS and serves clients with or without it, {@link #REQUIRE} is FORCEDTLS
 * (before STARTTLS every option but STARTTLS and ABORT is answered NBD_REP_ERR_TLS_REQD, and EXPORT_NAME closes).
 */
public enum TlsMode {
    /** No TLS. */
    OFF,
    /** TLS for the clients that ask for it. */
    ON,
    /** TLS for every client. */
    REQUIRE
}
