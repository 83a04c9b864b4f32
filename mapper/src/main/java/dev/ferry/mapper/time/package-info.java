/** Injected time: a small scheduler interface so timeouts and delays are deterministic in tests. */
package dev.ferry.mapper.time;
