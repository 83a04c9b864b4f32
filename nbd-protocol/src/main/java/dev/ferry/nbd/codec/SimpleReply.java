package dev.ferry.nbd.codec;

/**
 * A 16-byte simple reply header; a successful READ's data follows it.
 *
 * @param cookie the request's cookie
 * @param error  0 or an NBD error value
 */
public record SimpleReply(long cookie, int error) {
}
