package dev.ferry.mapper.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.BlockIoException.Kind;
import dev.ferry.mapper.nativeio.Errno;
import dev.ferry.mapper.nativeio.NativeIoException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link IoFailures}: errno numbers classified into block failure kinds, messages naming path and range. */
class IoFailuresTest {

    @Test
    void errnoNumbersMapToBlockFailureKinds() {
        assertThat(IoFailures.kindOf(28)).isEqualTo(Kind.NO_SPACE);
        assertThat(IoFailures.kindOf(122)).isEqualTo(Kind.NO_SPACE);
        assertThat(IoFailures.kindOf(27)).isEqualTo(Kind.NO_SPACE);
        assertThat(IoFailures.kindOf(Errno.ENOTSUP)).isEqualTo(Kind.NOT_SUPPORTED);
        assertThat(IoFailures.kindOf(22)).isEqualTo(Kind.INVALID);
        assertThat(IoFailures.kindOf(30)).isEqualTo(Kind.READ_ONLY);
        assertThat(IoFailures.kindOf(1)).isEqualTo(Kind.READ_ONLY);
        assertThat(IoFailures.kindOf(13)).isEqualTo(Kind.READ_ONLY);
        assertThat(IoFailures.kindOf(5)).isEqualTo(Kind.IO_ERROR);
        assertThat(IoFailures.kindOf(6)).isEqualTo(Kind.IO_ERROR);
        assertThat(IoFailures.kindOf(9)).isEqualTo(Kind.IO_ERROR);
        assertThat(IoFailures.kindOf(4095)).isEqualTo(Kind.IO_ERROR);
        assertThat(IoFailures.kindOf(-1)).isEqualTo(Kind.IO_ERROR);
    }

    @Test
    void nativeFailureKeepsItsErrnoKindAndNamesTheRange() {
        IoFailures failures = new IoFailures(Path.of("/pv"), null);
        BlockIoException e = failures.translate("write", 4096, 512,
                new NativeIoException("fallocate", "/pv, PUNCH_HOLE", 28, "No space left on device"));
        assertThat(e.kind()).isEqualTo(Kind.NO_SPACE);
        assertThat(e.getMessage()).startsWith("/pv: write offset=4096 length=512: fallocate(/pv, PUNCH_HOLE) failed: ENOSPC");
    }
}
