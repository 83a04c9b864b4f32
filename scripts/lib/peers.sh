# Shared by the benchmarks that compare `ferry serve` with `nbdkit file` on the same file (bench-nbd.sh,
# bench-sparse.sh). Source it after setting `root` (the checkout), `work` (empty: a new temporary directory),
# `keep` (1: keep the work directory), `ferry_port` and `nbdkit_port`. It defines:
#   peers_work PREFIX              makes the work directory ($work)
#   peers_start FILE NAME [ARG...] builds Ferry (so the build is not timed), starts `ferry serve FILE --name NAME ARG...`
#                                  on $ferry_port and `nbdkit ${nbdkit_args[@]} file FILE` on $nbdkit_port, logs in
#                                  $work, and waits up to 60 s for both to answer
#   peers_uri PORT                 the URI of a server: nbd://127.0.0.1:PORT/, or with peers_tls
#                                  nbds://127.0.0.1:PORT/?tls-verify-peer=false
#   peers_tls                      makes a throw-away PKI (openssl: a CA and a server certificate for 127.0.0.1) in
#                                  $work/pki and sets TLS required on both servers (call before peers_start; Ferry's
#                                  arguments then come from $ferry_tls_args)
# and an EXIT trap that stops them and removes the work directory unless keep=1.

pids=()
nbdkit_args=()
ferry_tls_args=()
peer_scheme=nbd
peer_query=""

peers_work() { # PREFIX
    if [[ -z "$work" ]]; then
        work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    else
        mkdir -p "$work"
    fi
}

peers_cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if ((keep)); then
        echo "work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap peers_cleanup EXIT

peers_wait() { # name port log
    local deadline=$((SECONDS + 60))
    until nbdinfo --size "$(peers_uri "$2")" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then
            echo "$(basename "$0"): $1 did not come up on port $2; its log:" >&2
            cat "$3" >&2
            exit 1
        fi
        sleep 0.2
    done
}

peers_uri() { # PORT
    echo "$peer_scheme://127.0.0.1:$1/$peer_query"
}

peers_tls() {
    local pki="$work/pki"
    mkdir -p "$pki"
    (
        cd "$pki"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem -days 2 \
            -subj "/CN=bench CA"
        openssl genrsa -out server-key.pem 2048
        openssl req -new -key server-key.pem -out server.csr -subj "/CN=127.0.0.1"
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
            -extfile server.ext -out server-cert.pem
    ) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; exit 1; }
    nbdkit_args=(--tls=require "--tls-certificates=$pki")
    ferry_tls_args=(--tls require --tls-certificates "$pki")
    peer_scheme=nbds
    # fio's nbd engine may not name a certificates directory (libnbd refuses local files in URIs it did not allow),
    # so the clients encrypt without checking the throw-away server certificate.
    peer_query="?tls-verify-peer=false"
}

peers_start() { # FILE NAME [FERRY_ARG...]
    "$root/scripts/ferry" --version >/dev/null
    "$root/scripts/ferry" serve "$1" --name "$2" --listen "127.0.0.1:$ferry_port" "${ferry_tls_args[@]}" "${@:3}" \
        >"$work/ferry.log" 2>&1 &
    pids+=($!)
    nbdkit -f -i 127.0.0.1 -p "$nbdkit_port" "${nbdkit_args[@]}" file "$1" >"$work/nbdkit.log" 2>&1 &
    pids+=($!)
    peers_wait ferry "$ferry_port" "$work/ferry.log"
    peers_wait nbdkit "$nbdkit_port" "$work/nbdkit.log"
}
