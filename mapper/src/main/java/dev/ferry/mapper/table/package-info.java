/** Device-mapper tables: the {@code dmsetup table} text syntax, validation, and lookup of targets by offset. */
package dev.ferry.mapper.table;
