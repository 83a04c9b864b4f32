package dev.ferry.daemon.cli.client;

/**
 * One HTTP answer as read by {@link ControlClient}.
 *
 * @param status      status code
 * @param contentType the Content-Type header, or null
 * @param body        the body bytes
 */
public record HttpReply(int status, String contentType, byte[] body) {
}
