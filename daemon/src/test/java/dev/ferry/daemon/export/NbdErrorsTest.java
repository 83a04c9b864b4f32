package dev.ferry.daemon.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.BlockIoException.Kind;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.ExportException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class NbdErrorsTest {

    @Test
    void everyKindHasTheSpecError() {
        Map<Kind, Integer> expected = Map.of(
                Kind.NO_SPACE, NbdConstants.NBD_ENOSPC,
                Kind.INVALID, NbdConstants.NBD_EINVAL,
                Kind.NOT_SUPPORTED, NbdConstants.NBD_ENOTSUP,
                Kind.READ_ONLY, NbdConstants.NBD_EPERM,
                Kind.SHUTDOWN, NbdConstants.NBD_ESHUTDOWN,
                Kind.IO_ERROR, NbdConstants.NBD_EIO);
        assertThat(expected).hasSize(Kind.values().length);
        expected.forEach((kind, error) -> assertThat(NbdErrors.errorFor(kind)).as(kind.name()).isEqualTo(error));
    }

    @Test
    void unwrapsCompletionExceptionsAndKeepsTheMessage() {
        BlockIoException io = new BlockIoException(Kind.NO_SPACE, "disk full");
        ExportException e = NbdErrors.translate(new CompletionException(io));
        assertThat(e.nbdError()).isEqualTo(NbdConstants.NBD_ENOSPC);
        assertThat(e).hasMessage("disk full").hasCause(io);

        ExportException passed = new ExportException(NbdConstants.NBD_EPERM, "no");
        assertThat(NbdErrors.translate(new CompletionException(passed))).isSameAs(passed);
        assertThat(NbdErrors.translate(new IllegalStateException("boom")).nbdError()).isEqualTo(NbdConstants.NBD_EIO);
    }
}
