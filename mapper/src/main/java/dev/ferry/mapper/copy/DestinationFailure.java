package dev.ferry.mapper.copy;

/**
 * A destination dropped from a copy because an operation on it failed.
 *
 * @param index       position of the destination in the request
 * @param destination the destination
 * @param offset      first byte (relative to the copy start) of the failed operation
 * @param length      bytes of the failed operation (0 for a flush)
 * @param cause       the device's error
 */
public record DestinationFailure(int index, CopyDestination destination, long offset, long length, Throwable cause) {

    @Override
    public String toString() {
        return "destination " + index + " (" + destination.device().describe() + ") failed at copy range "
                + offset + "+" + length + ": " + cause;
    }
}
