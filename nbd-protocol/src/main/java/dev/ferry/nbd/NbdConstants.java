package dev.ferry.nbd;

/**
 * Protocol constants of the Network Block Device protocol, named as in the specification
 * (NetworkBlockDevice/nbd {@code doc/proto.md}, with the extended-headers extension).
 */
public final class NbdConstants {

    private NbdConstants() {
    }

    // ---- Magic numbers (spec "Magic numbers") ----
    /** "NBDMAGIC": the first eight bytes the server sends. */
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": the newstyle greeting and the start of every option request. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Magic of every option reply. */
    public static final long NBD_REP_MAGIC = 0x0003e889045565a9L;
    /** Magic of a compact (28-byte) transmission request. */
    public static final int NBD_REQUEST_MAGIC = 0x25609513;
    /** Magic of an extended (32-byte) transmission request. */
    public static final int NBD_EXTENDED_REQUEST_MAGIC = 0x21e41c71;
    /** Magic of a simple (16-byte) reply. */
    public static final int NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
    /** Magic of a structured reply chunk (20-byte header). */
    public static final int NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    /** Magic of an extended reply chunk (32-byte header). */
    public static final int NBD_EXTENDED_REPLY_MAGIC = 0x6e8a278c;

    // ---- Handshake flags (server, u16) ----
    public static final int NBD_FLAG_FIXED_NEWSTYLE = 1;
    public static final int NBD_FLAG_NO_ZEROES = 1 << 1;

    // ---- Client flags (u32) ----
    public static final int NBD_FLAG_C_FIXED_NEWSTYLE = 1;
    public static final int NBD_FLAG_C_NO_ZEROES = 1 << 1;

    // ---- Options ----
    public static final int NBD_OPT_EXPORT_NAME = 1;
    public static final int NBD_OPT_ABORT = 2;
    public static final int NBD_OPT_LIST = 3;
    public static final int NBD_OPT_PEEK_EXPORT = 4;
    public static final int NBD_OPT_STARTTLS = 5;
    public static final int NBD_OPT_INFO = 6;
    public static final int NBD_OPT_GO = 7;
    public static final int NBD_OPT_STRUCTURED_REPLY = 8;
    public static final int NBD_OPT_LIST_META_CONTEXT = 9;
    public static final int NBD_OPT_SET_META_CONTEXT = 10;
    public static final int NBD_OPT_EXTENDED_HEADERS = 11;

    // ---- Option reply types ----
    public static final int NBD_REP_ACK = 1;
    public static final int NBD_REP_SERVER = 2;
    public static final int NBD_REP_INFO = 3;
    public static final int NBD_REP_META_CONTEXT = 4;
    public static final int NBD_REP_FLAG_ERROR = 1 << 31;
    public static final int NBD_REP_ERR_UNSUP = NBD_REP_FLAG_ERROR | 1;
    public static final int NBD_REP_ERR_POLICY = NBD_REP_FLAG_ERROR | 2;
    public static final int NBD_REP_ERR_INVALID = NBD_REP_FLAG_ERROR | 3;
    public static final int NBD_REP_ERR_PLATFORM = NBD_REP_FLAG_ERROR | 4;
    public static final int NBD_REP_ERR_TLS_REQD = NBD_REP_FLAG_ERROR | 5;
    public static final int NBD_REP_ERR_UNKNOWN = NBD_REP_FLAG_ERROR | 6;
    public static final int NBD_REP_ERR_SHUTDOWN = NBD_REP_FLAG_ERROR | 7;
    public static final int NBD_REP_ERR_BLOCK_SIZE_REQD = NBD_REP_FLAG_ERROR | 8;
    public static final int NBD_REP_ERR_TOO_BIG = NBD_REP_FLAG_ERROR | 9;
    public static final int NBD_REP_ERR_EXT_HEADER_REQD = NBD_REP_FLAG_ERROR | 10;

    // ---- Info types (NBD_OPT_INFO / NBD_OPT_GO) ----
    public static final int NBD_INFO_EXPORT = 0;
    public static final int NBD_INFO_NAME = 1;
    public static final int NBD_INFO_DESCRIPTION = 2;
    public static final int NBD_INFO_BLOCK_SIZE = 3;

    // ---- Transmission flags (u16) ----
    public static final int NBD_FLAG_HAS_FLAGS = 1;
    public static final int NBD_FLAG_READ_ONLY = 1 << 1;
    public static final int NBD_FLAG_SEND_FLUSH = 1 << 2;
    public static final int NBD_FLAG_SEND_FUA = 1 << 3;
    public static final int NBD_FLAG_ROTATIONAL = 1 << 4;
    public static final int NBD_FLAG_SEND_TRIM = 1 << 5;
    public static final int NBD_FLAG_SEND_WRITE_ZEROES = 1 << 6;
    public static final int NBD_FLAG_SEND_DF = 1 << 7;
    public static final int NBD_FLAG_CAN_MULTI_CONN = 1 << 8;
    public static final int NBD_FLAG_SEND_RESIZE = 1 << 9;
    public static final int NBD_FLAG_SEND_CACHE = 1 << 10;
    public static final int NBD_FLAG_SEND_FAST_ZERO = 1 << 11;
    public static final int NBD_FLAG_BLOCK_STAT_PAYLOAD = 1 << 12;

    // ---- Commands ----
    public static final int NBD_CMD_READ = 0;
    public static final int NBD_CMD_WRITE = 1;
    public static final int NBD_CMD_DISC = 2;
    public static final int NBD_CMD_FLUSH = 3;
    public static final int NBD_CMD_TRIM = 4;
    public static final int NBD_CMD_CACHE = 5;
    public static final int NBD_CMD_WRITE_ZEROES = 6;
    public static final int NBD_CMD_BLOCK_STATUS = 7;
    public static final int NBD_CMD_RESIZE = 8;

    // ---- Command flags (u16) ----
    public static final int NBD_CMD_FLAG_FUA = 1;
    public static final int NBD_CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int NBD_CMD_FLAG_DF = 1 << 2;
    public static final int NBD_CMD_FLAG_REQ_ONE = 1 << 3;
    public static final int NBD_CMD_FLAG_FAST_ZERO = 1 << 4;
    public static final int NBD_CMD_FLAG_PAYLOAD_LEN = 1 << 5;

    // ---- Structured reply flags and chunk types ----
    public static final int NBD_REPLY_FLAG_DONE = 1;
    public static final int NBD_REPLY_TYPE_NONE = 0;
    public static final int NBD_REPLY_TYPE_OFFSET_DATA = 1;
    public static final int NBD_REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int NBD_REPLY_TYPE_BLOCK_STATUS = 5;
    public static final int NBD_REPLY_TYPE_BLOCK_STATUS_EXT = 6;
    public static final int NBD_REPLY_TYPE_ERROR = (1 << 15) | 1;
    public static final int NBD_REPLY_TYPE_ERROR_OFFSET = (1 << 15) | 2;

    // ---- base:allocation states ----
    public static final String BASE_ALLOCATION = "base:allocation";
    public static final int NBD_STATE_HOLE = 1;
    public static final int NBD_STATE_ZERO = 1 << 1;

    // ---- Error values (spec "Error values") ----
    public static final int NBD_EPERM = 1;
    public static final int NBD_EIO = 5;
    public static final int NBD_ENOMEM = 12;
    public static final int NBD_EINVAL = 22;
    public static final int NBD_ENOSPC = 28;
    public static final int NBD_EOVERFLOW = 75;
    public static final int NBD_ENOTSUP = 95;
    public static final int NBD_ESHUTDOWN = 108;

    // ---- Sizes ----
    /** Default TCP port assigned to NBD by IANA. */
    public static final int NBD_DEFAULT_PORT = 10809;
    /** Length of the zero padding after an NBD_OPT_EXPORT_NAME reply, unless NO_ZEROES. */
    public static final int EXPORT_NAME_PADDING = 124;
    /** Largest payload the spec says a server should not treat as a denial of service (32 MiB). */
    public static final int DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;
    /** Longest export name or option string a server needs to accept (spec: 4096 bytes). */
    public static final int MAX_STRING_LENGTH = 4096;
}
