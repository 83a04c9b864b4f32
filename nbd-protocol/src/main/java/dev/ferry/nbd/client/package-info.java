/**
 * An asynchronous Netty NBD client: fixed-newstyle negotiation (STARTTLS first when TLS is configured), structured and
 * extended replies, pipelined requests matched by cookie, and a raw escape hatch for protocol tests.
 */
package dev.ferry.nbd.client;
