/** The copier (like dm-kcopyd): chunked, concurrent, rate-limited, sparse-aware range copies between block devices. */
package dev.ferry.mapper.copy;
