package dev.ferry.mapper.mirror;

/**
 * The first difference a {@link LegComparison} found between a mirror's default leg and another leg.
 *
 * @param leg             the index of the leg that differs (never 0, the default leg)
 * @param legName         that leg's device name as the table gives it
 * @param region          the region holding the difference
 * @param offset          the first differing byte, relative to the start of the mirror
 * @param defaultLegByte  where that byte lies on the default leg's device
 * @param legByte         where that byte lies on the differing leg's device
 * @param defaultLegName  the default leg's device name
 */
public record LegMismatch(int leg, String legName, int region, long offset, long defaultLegByte, long legByte,
                          String defaultLegName) {
}
