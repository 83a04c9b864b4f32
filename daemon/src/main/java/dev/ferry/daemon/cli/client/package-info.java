/**
 * The CLI side of the control API: a small blocking HTTP/1.1 client over Unix domain sockets and loopback
 * TCP, the picocli base for thin-client commands, and the stable exit codes.
 */
package dev.ferry.daemon.cli.client;
