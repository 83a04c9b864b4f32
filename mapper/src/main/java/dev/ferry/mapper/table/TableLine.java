package dev.ferry.mapper.table;

/**
 * One line of a table as {@code dmsetup table} prints it: {@code <start> <length> <type> <params>}, in
 * 512-byte sectors.
 *
 * @param startSector   first sector of the mapped device covered by the line
 * @param lengthSectors sectors covered, positive
 * @param type          target type name
 * @param params        target arguments, single-space separated, possibly empty
 */
public record TableLine(long startSector, long lengthSectors, String type, String params) {

    /** The canonical text: single spaces, no trailing space, no newline. */
    public String format() {
        String head = startSector + " " + lengthSectors + " " + type;
        return params.isEmpty() ? head : head + " " + params;
    }

    /** First sector after the line. */
    public long endSector() {
        return startSector + lengthSectors;
    }
}
