/**
 * Test doubles for the NBD server (an in-memory sparse export with fault and delay injection) and the rules every test
 * of the module runs under (time-limit thread dumps, seeds, no skips when every test must run).
 */
package dev.ferry.nbd.testing;
