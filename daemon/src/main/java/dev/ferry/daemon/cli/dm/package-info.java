/** {@code ferry dmsetup}: thin clients of the daemon's device-mapper routes with dmsetup's commands and options. */
package dev.ferry.daemon.cli.dm;
