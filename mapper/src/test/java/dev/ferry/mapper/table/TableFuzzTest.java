package dev.ferry.mapper.table;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzz target (Jazzer) for the table parser over every standard target type: any text either
 * parses into a table whose canonical form parses back to the same text, or is refused with one
 * {@link InvalidTableException}; nothing else escapes. Under plain JUnit it replays the inputs in
 * {@code src/test/resources/dev/ferry/mapper/table/TableFuzzTestInputs/}.
 */
class TableFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        TestDevices devices = new TestDevices();
        devices.memory("a", 1024);
        devices.memory("b", 1024);
        String text = new String(input, StandardCharsets.ISO_8859_1);
        Table table;
        try {
            table = Table.parse(text, TargetTypes.standard(), devices, new ManualScheduler());
        } catch (InvalidTableException refused) {
            return;
        }
        try {
            String canonical = table.format();
            Table again = Table.parse(canonical, TargetTypes.standard(), devices, new ManualScheduler());
            try {
                assertThat(again.format()).as("canonical form of %s", text).isEqualTo(canonical);
            } finally {
                again.close();
            }
        } finally {
            table.close();
        }
    }
}
