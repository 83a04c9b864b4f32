/** The {@code ferry} CLI: {@link dev.ferry.daemon.cli.CliCommands} lists the volume and dmsetup commands to register. */
package dev.ferry.daemon.cli;
