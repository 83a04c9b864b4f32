/** Test helpers: polling with deadlines and raw HTTP exchanges. */
package dev.ferry.daemon.testing;
