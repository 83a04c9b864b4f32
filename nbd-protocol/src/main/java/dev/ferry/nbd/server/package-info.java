/** The Netty NBD server: handshake negotiation, request dispatch to exports, replies and flow control. */
package dev.ferry.nbd.server;
