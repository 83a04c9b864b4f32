/** The Ferry daemon process: entry point and wiring of the volume manager, exports and CLI. */
package dev.ferry.daemon;
