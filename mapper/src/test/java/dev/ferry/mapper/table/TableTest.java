package dev.ferry.mapper.table;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.targets.LinearTarget;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.time.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TableTest {

    private final TestDevices devices = new TestDevices();
    private final MemoryBlockDevice a = devices.memory("a", 1024);
    private final MemoryBlockDevice b = devices.memory("b", 1024);

    private Table parse(String text) {
        return Table.parse(text, TargetTypes.standard(), devices, new ManualScheduler());
    }

    @Test
    void canonicalTextRoundTripsExactly() {
        String text = """
                0 100 linear a 0
                100 28 zero
                128 32 striped 2 8 a 200 b 0
                160 8 error
                168 16 delay a 500 5 b 0 7 a 0 9
                184 16 flakey b 100 3 1 7 error_reads fault rw hang 0 4 10
                """;
        Table t = parse(text);
        assertThat(t.format()).isEqualTo(text);
        assertThat(parse(t.format()).format()).isEqualTo(text);
        assertThat(t.size()).isEqualTo(200L * 512);
        assertThat(t.count()).isEqualTo(6);
        assertThat(t.lines().get(2)).isEqualTo(new TableLine(128, 32, "striped", "2 8 a 200 b 0"));
    }

    @Test
    void commentsBlankLinesAndExtraBlanksAreAcceptedAndNormalized() {
        Table t = parse("# a comment\n\n  0\t100  linear   a\t0  \r\n   # indented comment\n100 28 zero\n\n");
        assertThat(t.format()).isEqualTo("0 100 linear a 0\n100 28 zero\n");
        assertThat(parse("0 100 linear a 0010").format()).isEqualTo("0 100 linear a 10\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing fields          | 0 100                       | line 1: expected <start> <length> <type> [args...], got 2 fields",
        "bad start               | x 100 zero                  | line 1: start sector 'x' is not an unsigned decimal number",
        "negative start          | -1 100 zero                 | line 1: start sector '-1' is not an unsigned decimal number",
        "zero length             | 0 0 zero                    | line 1: length 0 out of range [1, 18014398509481983]",
        "huge length             | 0 18014398509481984 zero    | line 1: length 18014398509481984 out of range [1, 18014398509481983]",
        "overflowing end         | 0 8 zero\\n8 18014398509481983 zero | line 2: line ends beyond the largest device (18014398509481983 sectors)",
        "not starting at 0       | # c\\n8 8 zero              | line 2: the table must start at sector 0, this first line starts at 8",
        "gap                     | 0 8 zero\\n\\n9 8 zero      | line 3: gap: line starts at sector 9 but line 1 ends at sector 8",
        "overlap                 | 0 8 zero\\n7 8 zero         | line 2: overlap: line starts at sector 7 but line 1 ends at sector 8",
        "unknown type            | 0 8 zero\\n8 8 snapshot x   | line 2: unknown target type 'snapshot' (known: delay, error, flakey, linear, striped, zero)",
        "bad target args         | 0 8 linear a                | line 1: linear: expected 2 arguments, got 1",
        "unknown device          | 0 8 linear nope 0           | line 1: device 'nope' unknown: no such device",
        "outside device          | 0 8 linear a 1020           | line 1: mapping of 8 sectors at offset 1020 lies outside device 'a' of 1024 sectors",
        "number out of range     | 0 8 linear a 99999999999999999999 | line 1: offset of device 'a' '99999999999999999999' is not an unsigned decimal number",
        "empty                   | # only a comment            | the table has no lines",
    })
    void malformedTablesAreRejectedNamingTheLine(String what, String text, String message) {
        assertThatThrownBy(() -> parse(text.replace("\\n", "\n")))
                .isInstanceOf(InvalidTableException.class)
                .hasMessage(message);
    }

    @Test
    void exceptionCarriesTheLineNumber() {
        try {
            parse("0 8 zero\n8 8 linear a");
        } catch (InvalidTableException e) {
            assertThat(e.lineNumber()).isEqualTo(2);
            return;
        }
        throw new AssertionError("expected InvalidTableException");
    }

    @Test
    void indexFindsTheTargetHoldingAnOffset() {
        Table t = parse("0 8 zero\n8 16 error\n24 1 zero\n25 100 linear a 0\n");
        assertThat(t.index(0)).isZero();
        assertThat(t.index(8 * 512 - 1)).isZero();
        assertThat(t.index(8 * 512)).isEqualTo(1);
        assertThat(t.index(24 * 512 + 511)).isEqualTo(2);
        assertThat(t.index(125 * 512 - 1)).isEqualTo(3);
        assertThat(t.start(3)).isEqualTo(25 * 512);
        assertThat(t.end(3)).isEqualTo(125 * 512);
        assertThat(t.target(3)).isInstanceOf(LinearTarget.class);
    }

    @Test
    void allocationIsInTableOffsets() {
        Table t = parse("0 8 zero\n8 16 linear a 0\n");
        TestDevices.write(a, 4096, pattern(4096, 1));
        assertThat(await(t.allocation(8 * 512, 16 * 512))).containsExactly(Extent.hole(4096, 4096),
                Extent.data(8192, 4096));
        assertThat(await(t.allocation(0, 100 * 512))).containsExactly(Extent.hole(0, 4096));
    }

    @Test
    void statusListsEachTargetsStatus() {
        Table t = parse("0 16 striped 2 8 a 0 b 0\n16 8 linear a 100\n24 8 flakey a 0 1 0\n");
        assertThat(t.status()).isEqualTo("0 16 striped 2 a b 1 AA\n16 8 linear\n24 8 flakey up 0\n");
    }
}
