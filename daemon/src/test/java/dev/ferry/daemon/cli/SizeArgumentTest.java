package dev.ferry.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizeArgumentTest {

    @ParameterizedTest
    @CsvSource({
        "4096, 4096", "4096b, 4096", "1B, 1", "1s, 512", "2048S, 1048576", "1k, 1024", "1K, 1024",
        "1KiB, 1024", "10M, 10485760", "1g, 1073741824", "1G, 1073741824", "1.5G, 1610612736",
        "' 2T ', 2199023255552", "3 M, 3145728", "1p, 1125899906842624", "0.5K, 512", "8191P, 9222246136947933184"})
    void parsesLvmStyleSizes(String text, long bytes) {
        assertThat(SizeArgument.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "-1G", "1GG", "G", "1.G", ".5G", "1,5G", "0x10", "1e3", "+1G"})
    void rejectsGarbageWithTheExpectedSyntax(String text) {
        assertThatThrownBy(() -> SizeArgument.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid size '" + text + "'")
                .hasMessageContaining("s (512-byte sectors)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1X | unknown unit 'X'",
        "1GB | unknown unit 'GB'",
        "0 | must be greater than zero",
        "0.0M | must be greater than zero",
        "1.5b | 1.5 is not a whole number of bytes",
        "0.001K | 1.024 is not a whole number of bytes",
        "8192P | larger than 9223372036854775807 bytes",
        "99999999999999999999999 | larger than"})
    void rejectsImpossibleSizesPrecisely(String text, String problem) {
        assertThatThrownBy(() -> SizeArgument.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid size '" + text + "': ").hasMessageContaining(problem);
    }
}
