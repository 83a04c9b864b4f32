#!/usr/bin/env python3
"""Opens CLIENTS NBD connections to HOST:PORT/EXPORT, sends COUNT READ requests of LENGTH bytes on each (at
successive offsets, wrapping within the export) and never reads a reply, holding the connections for SECONDS: the abuse a server must survive with bounded memory.

Usage: unread-reads.py HOST PORT EXPORT CLIENTS COUNT LENGTH SECONDS
Prints "ready" on standard output once every request is sent (the sends may block once the server stops reading,
which is what bounded servers do: then "ready" follows as far as they go), and exits after SECONDS.
"""
import socket
import struct
import sys
import threading
import time

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9
NBD_OPT_GO = 7
NBD_REP_ACK = 1
NBD_REP_INFO = 3
NBD_INFO_EXPORT = 0
REQUEST_MAGIC = 0x25609513
NBD_CMD_READ = 0


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise EOFError("server closed the connection during the handshake")
        data += part
    return data


def connect(host, port, export):
    sock = socket.create_connection((host, port), timeout=30)
    magic, opt_magic, flags = struct.unpack(">QQH", recv_exactly(sock, 18))
    if magic != NBDMAGIC or opt_magic != IHAVEOPT:
        raise ValueError("not a newstyle NBD server")
    sock.sendall(struct.pack(">I", flags & 3))  # FIXED_NEWSTYLE, NO_ZEROES as offered
    name = export.encode()
    payload = struct.pack(">I", len(name)) + name + struct.pack(">H", 0)
    sock.sendall(struct.pack(">QII", IHAVEOPT, NBD_OPT_GO, len(payload)) + payload)
    size = None
    while True:
        magic, _option, reply, length = struct.unpack(">QIII", recv_exactly(sock, 20))
        if magic != REPLY_MAGIC:
            raise ValueError("bad option reply magic")
        body = recv_exactly(sock, length)
        if reply == NBD_REP_INFO and len(body) >= 12 and struct.unpack(">H", body[:2])[0] == NBD_INFO_EXPORT:
            size = struct.unpack(">Q", body[2:10])[0]
        if reply == NBD_REP_ACK:
            if size is None:
                raise ValueError("the server sent no export size")
            return sock, size
        if reply & 0x80000000:
            raise ValueError("NBD_OPT_GO refused: type %#x %r" % (reply, body))


def main():
    host, port, export = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    clients, count, length, seconds = (int(a) for a in sys.argv[4:8])
    socks = [connect(host, port, export) for _ in range(clients)]
    size = socks[0][1]
    if size < length:
        raise ValueError("the export (%d bytes) is smaller than one read" % size)
    slots = size // length

    def flood(sock, index):
        for cookie in range(count):
            offset = (cookie % slots) * length
            sock.sendall(struct.pack(">IHHQQI", REQUEST_MAGIC, 0, NBD_CMD_READ, index * count + cookie, offset,
                                     length))

    senders = [threading.Thread(target=flood, args=(s, i), daemon=True) for i, (s, _) in enumerate(socks)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=5)
    print("ready", flush=True)
    time.sleep(seconds)
    for s, _ in socks:
        s.close()


if __name__ == "__main__":
    main()
