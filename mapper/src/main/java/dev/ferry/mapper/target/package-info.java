/** Device-mapper targets (linear, striped, mirror, error, zero, delay, flakey) and their factory. */
package dev.ferry.mapper.target;
