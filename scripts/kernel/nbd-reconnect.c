/*
 * nbd-reconnect: gives a netlink-configured kernel NBD device a new server connection, the step Debian's
 * nbd-client 3.24 lacks (its -persist works only with the ioctl interface). Built by scripts/kernel-vm.sh
 * prepare (static, host gcc) into the kernel-client test VM's initramfs; see daemon/docs/kernel-client.md.
 *
 * Usage:
 *   nbd-reconnect INDEX [-t TIMEOUT] [-d DEAD_TIMEOUT] [HOST PORT EXPORT]
 * Sends NBD_CMD_RECONFIGURE for /dev/nbdINDEX: -t sets the per-request timeout (seconds), -d how long I/O
 * waits for a new connection once every connection is dead (seconds). With HOST (IPv4) PORT EXPORT it first
 * connects, negotiates EXPORT (fixed newstyle, NBD_OPT_GO), and hands the socket to the kernel in place of a dead
 * one. Exits 0 when the kernel accepted the request, non-zero with a message otherwise. The kernel also answers
 * success, dropping the new socket, when no connection is dead; its log line "reconnected socket" tells.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/nbd-netlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NBD_MAGIC_INIT 0x4e42444d41474943ULL   /* "NBDMAGIC" */
#define NBD_MAGIC_OPTS 0x49484156454f5054ULL   /* "IHAVEOPT" */
#define NBD_MAGIC_REPLY 0x0003e889045565a9ULL
#define NBD_FLAG_FIXED_NEWSTYLE 1
#define NBD_FLAG_NO_ZEROES 2
#define NBD_OPT_GO 7
#define NBD_REP_ACK 1
#define NBD_REP_INFO 3
#define NBD_REP_ERROR_BIT 0x80000000U

static void die(const char *what) {
    fprintf(stderr, "nbd-reconnect: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void io_all(int fd, void *buf, size_t len, int writing) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
        if (n <= 0) {
            if (n == 0) errno = 0;
            die(writing ? "send" : "receive (server closed the connection?)");
        }
        p += n;
        len -= (size_t) n;
    }
}

static uint64_t read_u64(int fd) { uint64_t v; io_all(fd, &v, 8, 0); return be64toh(v); }
static uint32_t read_u32(int fd) { uint32_t v; io_all(fd, &v, 4, 0); return be32toh(v); }
static uint16_t read_u16(int fd) { uint16_t v; io_all(fd, &v, 2, 0); return be16toh(v); }

/* Connects to HOST (IPv4):PORT and negotiates EXPORT up to the transmission phase; returns the socket. */
static int negotiate(const char *host, const char *port, const char *export) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(port))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { errno = 0; die("HOST must be an IPv4 address"); }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) die("connect");
    uint64_t init = read_u64(fd), opts = read_u64(fd);
    if (init != NBD_MAGIC_INIT || opts != NBD_MAGIC_OPTS) {
        fprintf(stderr, "nbd-reconnect: not a newstyle NBD server (greeting %016llx %016llx)\n",
                (unsigned long long) init, (unsigned long long) opts);
        exit(1);
    }
    uint16_t offered = read_u16(fd);
    uint32_t client = htobe32(offered & (NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
    io_all(fd, &client, 4, 1);

    uint32_t name_len = (uint32_t) strlen(export);
    size_t len = 16 + 4 + name_len + 2;
    unsigned char *opt = calloc(1, len);
    uint64_t magic = htobe64(NBD_MAGIC_OPTS);
    uint32_t v = htobe32(NBD_OPT_GO);
    memcpy(opt, &magic, 8);
    memcpy(opt + 8, &v, 4);
    v = htobe32((uint32_t) (4 + name_len + 2));
    memcpy(opt + 12, &v, 4);
    v = htobe32(name_len);
    memcpy(opt + 16, &v, 4);
    memcpy(opt + 20, export, name_len); /* followed by zero information requests */
    io_all(fd, opt, len, 1);
    free(opt);

    for (;;) {
        if (read_u64(fd) != NBD_MAGIC_REPLY) { errno = 0; die("bad option reply magic"); }
        read_u32(fd); /* the option */
        uint32_t type = read_u32(fd);
        uint32_t length = read_u32(fd);
        char *data = malloc(length + 1);
        io_all(fd, data, length, 0);
        data[length] = 0;
        if (type & NBD_REP_ERROR_BIT) {
            fprintf(stderr, "nbd-reconnect: server refused export %s: reply 0x%x %s\n", export, type,
                    length > 0 ? data : "");
            exit(1);
        }
        free(data);
        if (type == NBD_REP_ACK) return fd;
        if (type != NBD_REP_INFO) { errno = 0; die("unexpected option reply"); }
    }
}

/* Appends a netlink attribute; returns its start (for nesting). */
static struct nlattr *put_attr(char *buf, size_t *len, uint16_t type, const void *data, uint16_t size) {
    struct nlattr *a = (struct nlattr *) (buf + *len);
    a->nla_type = type;
    a->nla_len = (uint16_t) (NLA_HDRLEN + size);
    if (size) memcpy(buf + *len + NLA_HDRLEN, data, size);
    *len += NLA_ALIGN(a->nla_len);
    return a;
}

static void end_nest(char *buf, size_t len, struct nlattr *start) {
    start->nla_len = (uint16_t) (buf + len - (char *) start);
}

/* Sends one generic netlink request and fails unless the kernel acknowledges it; returns the reply length. */
static ssize_t transact(int nl, char *msg, size_t len, char *reply, size_t reply_size) {
    struct nlmsghdr *h = (struct nlmsghdr *) msg;
    h->nlmsg_len = (uint32_t) len;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(nl, msg, len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0) die("netlink send");
    ssize_t total = 0;
    for (;;) {
        ssize_t n = recv(nl, reply + total, reply_size - (size_t) total, 0);
        if (n < 0) die("netlink receive");
        int left = (int) n;
        for (struct nlmsghdr *r = (struct nlmsghdr *) (reply + total); NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
            if (r->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(r);
                if (e->error) { errno = -e->error; die("kernel refused the request (see dmesg)"); }
                return total;
            }
        }
        total += n;
    }
}

static uint16_t nbd_family(int nl) {
    char msg[256] = {0}, reply[8192];
    size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
    ((struct nlmsghdr *) msg)->nlmsg_type = GENL_ID_CTRL;
    ((struct genlmsghdr *) (msg + NLMSG_HDRLEN))->cmd = CTRL_CMD_GETFAMILY;
    ((struct genlmsghdr *) (msg + NLMSG_HDRLEN))->version = 1;
    put_attr(msg, &len, CTRL_ATTR_FAMILY_NAME, NBD_GENL_FAMILY_NAME, sizeof NBD_GENL_FAMILY_NAME);
    ssize_t n = transact(nl, msg, len, reply, sizeof reply);
    for (struct nlmsghdr *r = (struct nlmsghdr *) reply; NLMSG_OK(r, n); r = NLMSG_NEXT(r, n)) {
        if (r->nlmsg_type != GENL_ID_CTRL) continue;
        char *attrs = (char *) NLMSG_DATA(r) + GENL_HDRLEN;
        int left = (int) (r->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
        for (struct nlattr *a = (struct nlattr *) attrs; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
             left -= NLA_ALIGN(a->nla_len), a = (struct nlattr *) ((char *) a + NLA_ALIGN(a->nla_len))) {
            if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) return *(uint16_t *) ((char *) a + NLA_HDRLEN);
        }
    }
    errno = 0;
    die("no nbd netlink family (nbd.ko not loaded?)");
    return 0;
}

int main(int argc, char **argv) {
    uint64_t timeout = 0, dead_timeout = 0;
    int have_timeout = 0, have_dead = 0, c;
    while ((c = getopt(argc, argv, "t:d:")) != -1) {
        if (c == 't') { timeout = strtoull(optarg, NULL, 10); have_timeout = 1; }
        else if (c == 'd') { dead_timeout = strtoull(optarg, NULL, 10); have_dead = 1; }
        else return 2;
    }
    int rest = argc - optind;
    if (rest != 1 && rest != 4) {
        fprintf(stderr, "usage: nbd-reconnect INDEX [-t TIMEOUT] [-d DEAD_TIMEOUT] [HOST PORT EXPORT]\n");
        return 2;
    }
    uint32_t index = (uint32_t) strtoul(argv[optind], NULL, 10);
    int sock = rest == 4 ? negotiate(argv[optind + 1], argv[optind + 2], argv[optind + 3]) : -1;

    int nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    if (nl < 0) die("netlink socket");
    uint16_t family = nbd_family(nl);
    char msg[512] = {0}, reply[4096];
    size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
    ((struct nlmsghdr *) msg)->nlmsg_type = family;
    ((struct genlmsghdr *) (msg + NLMSG_HDRLEN))->cmd = NBD_CMD_RECONFIGURE;
    ((struct genlmsghdr *) (msg + NLMSG_HDRLEN))->version = NBD_GENL_VERSION;
    put_attr(msg, &len, NBD_ATTR_INDEX, &index, 4);
    if (have_timeout) put_attr(msg, &len, NBD_ATTR_TIMEOUT, &timeout, 8);
    if (have_dead) put_attr(msg, &len, NBD_ATTR_DEAD_CONN_TIMEOUT, &dead_timeout, 8);
    if (sock >= 0) {
        uint32_t fd = (uint32_t) sock;
        struct nlattr *socks = put_attr(msg, &len, NBD_ATTR_SOCKETS | NLA_F_NESTED, NULL, 0);
        struct nlattr *item = put_attr(msg, &len, NBD_SOCK_ITEM | NLA_F_NESTED, NULL, 0);
        put_attr(msg, &len, NBD_SOCK_FD, &fd, 4);
        end_nest(msg, len, item);
        end_nest(msg, len, socks);
    }
    transact(nl, msg, len, reply, sizeof reply);
    return 0;
}
