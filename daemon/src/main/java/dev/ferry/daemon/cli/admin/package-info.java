/** Thin-client commands about the daemon itself: {@code ferry version} and {@code ferry shutdown}. */
package dev.ferry.daemon.cli.admin;
