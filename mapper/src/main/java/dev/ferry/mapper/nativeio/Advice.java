package dev.ferry.mapper.nativeio;

/** An access-pattern hint for {@code posix_fadvise}, with its Linux value. */
public enum Advice {
    /** {@code POSIX_FADV_NORMAL}. */
    NORMAL(0),
    /** {@code POSIX_FADV_RANDOM}. */
    RANDOM(1),
    /** {@code POSIX_FADV_SEQUENTIAL}. */
    SEQUENTIAL(2),
    /** {@code POSIX_FADV_WILLNEED}. */
    WILLNEED(3),
    /** {@code POSIX_FADV_DONTNEED}. */
    DONTNEED(4),
    /** {@code POSIX_FADV_NOREUSE}. */
    NOREUSE(5);

    private final int value;

    Advice(int value) {
        this.value = value;
    }

    /** The value passed to the call. */
    public int value() {
        return value;
    }
}
