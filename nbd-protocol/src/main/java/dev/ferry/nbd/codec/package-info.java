/**
 * NBD wire messages as immutable records shared by both directions (requests, option requests, client flags,
 * reply formats), the request validation rules both sides apply, and the server's Netty codecs; the client's
 * codecs in {@code dev.ferry.nbd.client} encode and decode the same records and header layouts.
 */
package dev.ferry.nbd.codec;
