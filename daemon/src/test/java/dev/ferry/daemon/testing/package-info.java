/** Test helpers: polling with deadlines, raw HTTP exchanges, external tools and real ferry child processes. */
package dev.ferry.daemon.testing;
