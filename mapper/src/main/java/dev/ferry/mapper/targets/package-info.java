/** Device-mapper targets (linear, striped, error, zero, delay, flakey; mirror lives in {@code mirror}) and their registry. */
package dev.ferry.mapper.targets;
