/** The {@code ferry} command line: one class per subcommand, plus argument converters. */
package dev.ferry.daemon.cli;
