package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The option phase and malformed input against a real server; after each case the server still serves. */
class HandshakeEndToEndTest extends ServerFixture {

    @BeforeEach
    void start() throws InterruptedException {
        startServer(ConnectionLimits.DEFAULT);
    }

    @Test
    void optionPhaseKeepsAnsweringAnySequenceThenGoes() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
            c.sendOption(NBD_OPT_LIST, new byte[0]);
            List<RawClient.OptReply> list = c.readOptReplies();
            assertThat(list).extracting(RawClient.OptReply::type)
                    .containsExactly(NBD_REP_SERVER, NBD_REP_SERVER, NBD_REP_SERVER, NBD_REP_SERVER, NBD_REP_ACK);
            c.sendOption(NBD_OPT_LIST, new byte[3]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ERR_INVALID);
            c.sendOption(NBD_OPT_STARTTLS, new byte[0]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ERR_UNSUP);
            c.sendOption(NBD_OPT_STARTTLS, new byte[4]);
            assertThat(c.readOptReply().type()).as("STARTTLS with data").isEqualTo(NBD_REP_ERR_INVALID);
            c.sendOption(99, new byte[100]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ERR_UNSUP);
            c.sendOption(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("disk", BASE_ALLOCATION));
            assertThat(c.readOptReply().type()).as("SET before SR").isEqualTo(NBD_REP_ERR_INVALID);
            c.sendOption(NBD_OPT_GO, RawClient.exportQuery("nosuch"));
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ERR_UNKNOWN);
            c.sendOption(NBD_OPT_INFO, new byte[] {0, 0, 0, 9, 'd'});
            assertThat(c.readOptReply().type()).as("name overruns").isEqualTo(NBD_REP_ERR_INVALID);
            c.sendOption(NBD_OPT_GO, new byte[70 * 1024]);
            assertThat(c.readOptReply().type()).as("oversized").isEqualTo(NBD_REP_ERR_TOO_BIG);
            c.sendOption(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ACK);
            c.sendOption(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("disk", "base:", "x-other:thing"));
            List<RawClient.OptReply> listed = c.readOptReplies();
            assertThat(listed).hasSize(2);
            assertThat(new String(listed.get(0).data(), 4, listed.get(0).data().length - 4, StandardCharsets.UTF_8))
                    .isEqualTo(BASE_ALLOCATION);
            c.sendOption(NBD_OPT_INFO, RawClient.exportQuery("disk", NBD_INFO_BLOCK_SIZE));
            List<RawClient.OptReply> info = c.readOptReplies();
            assertThat(info.get(info.size() - 1).type()).isEqualTo(NBD_REP_ACK);
            assertThat(info.subList(0, info.size() - 1)).extracting(r -> ByteBuffer.wrap(r.data()).getShort() & 0xffff)
                    .containsExactly(NBD_INFO_EXPORT, NBD_INFO_NAME, NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE);
            c.sendOption(NBD_OPT_GO, RawClient.exportQuery("disk"));
            c.readOptReplies();
            c.request(0, NBD_CMD_READ, 1, 0, 512);
            assertThat(c.readStructuredData(0, 512)).isEqualTo(new byte[512]);
        }
    }

    @Test
    void exportNameSendsTheZeroPadUnlessNoZeroes() throws Exception {
        for (int flags : new int[] {NBD_FLAG_C_FIXED_NEWSTYLE, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES}) {
            try (RawClient c = new RawClient(port).greet(flags)) {
                c.sendOption(NBD_OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
                assertThat(c.in.readLong()).isEqualTo(SIZE);
                assertThat(c.in.readUnsignedShort() & NBD_FLAG_HAS_FLAGS).isNotZero();
                if ((flags & NBD_FLAG_C_NO_ZEROES) == 0) {
                    byte[] pad = new byte[EXPORT_NAME_PADDING];
                    c.in.readFully(pad);
                    assertThat(pad).isEqualTo(new byte[EXPORT_NAME_PADDING]);
                }
                c.request(0, NBD_CMD_FLUSH, 5, 0, 0);
                assertThat(c.readSimple()).containsExactly(5, 0);
            }
        }
    }

    @Test
    void abortIsAcknowledgedThenClosed() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.sendOption(NBD_OPT_ABORT, new byte[0]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ACK);
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws Exception {
        try (RawClient c = new RawClient(port).greet(0xdead0001)) {
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void exportNameForAnUnknownExportOrAfterExtendedHeadersCloses() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.sendOption(NBD_OPT_EXPORT_NAME, "nosuch".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.sendOption(NBD_OPT_EXTENDED_HEADERS, new byte[0]);
            assertThat(c.readOptReply().type()).isEqualTo(NBD_REP_ACK);
            c.sendOption(NBD_OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void badOptionMagicCloses() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.out.writeLong(0x1122334455667788L);
            c.out.writeInt(NBD_OPT_LIST);
            c.out.writeInt(0);
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void badRequestMagicClosesAfterEarlierRepliesAreSent() throws Exception {
        try (RawClient c = connect(false, false, false)) {
            c.out.writeInt(0x12560953);
            c.out.write(new byte[24]);
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void aWriteClaimingFourGibibytesGetsAnErrorAndTheConnectionCloses() throws Exception {
        try (RawClient c = connect(false, false, false)) {
            c.request(0, NBD_CMD_WRITE, 42, 0, 0xFFFF_FFFFL);
            c.out.write(new byte[64 * 1024]);
            c.out.flush();
            assertThat(c.readSimple()).containsExactly(42, NBD_ENOSPC);
            assertThat(c.closedByServer()).isTrue();
        }
        assertServerStillServes();
    }

    @Test
    void aClientClosingWithoutAWordIsHarmless() throws Exception {
        new RawClient(port).close();
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.out.writeLong(IHAVEOPT);
            c.out.flush();
        }
        assertServerStillServes();
    }

    @Test
    void requestsPipelinedBehindGoInTheSameSegmentAreServed() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
            byte[] go = RawClient.exportQuery("disk");
            java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream d = new java.io.DataOutputStream(batch);
            d.writeLong(IHAVEOPT);
            d.writeInt(NBD_OPT_GO);
            d.writeInt(go.length);
            d.write(go);
            for (int cookie = 1; cookie <= 3; cookie++) {
                d.writeInt(NBD_REQUEST_MAGIC);
                d.writeShort(0);
                d.writeShort(NBD_CMD_FLUSH);
                d.writeLong(cookie);
                d.writeLong(0);
                d.writeInt(0);
            }
            c.out.write(batch.toByteArray());
            c.out.flush();
            assertThat(c.readOptReplies().get(0).type()).isEqualTo(NBD_REP_INFO);
            java.util.Set<Long> cookies = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                long[] r = c.readSimple();
                assertThat(r[1]).isZero();
                cookies.add(r[0]);
            }
            assertThat(cookies).containsExactlyInAnyOrder(1L, 2L, 3L);
        }
    }
}
