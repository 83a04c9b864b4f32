#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of the decoders and parsers that read untrusted bytes, one target after the
# other, each for the duration its @FuzzTest names (30 s, the REST target 60 s), ROUNDS times:
#   nbd-protocol  CodecFuzzTest#optionDecoder        the server's handshake option decoder
#   nbd-protocol  CodecFuzzTest#requestDecoder       the server's transmission request decoder (both header forms)
#   nbd-protocol  ReplyDecoderFuzzTest#replyDecoder  the client's reply decoder (what a remote server sends)
#   mapper        TableFuzzTest#parse                the device-mapper table parser, every standard target type
#   mapper        DiskLogFuzzTest#decodeAll          the on-disk mirror log
#   daemon        PvDiskFuzzTest#read                a PV's label and metadata slots
#   daemon        VgDocumentFuzzTest#decode          the VG metadata document and its validation
#   daemon        RestFuzzTest#request               the control API's request handling over its real socket
# The corpus each run grows is kept in MODULE/.cifuzz-corpus/ (ignored by git), so later rounds and later runs go
# on from it. A finding fails its target and Jazzer saves the input under the test's ...FuzzTestInputs/ resource
# directory, where every plain `mvn test` then replays it: fix the bug and commit the input as its regression test.
# Prints, per target and round, the executions, the coverage reached and the outcome; exits 1 if anything was found.
#
# Usage: scripts/fuzz.sh [-r ROUNDS] [TARGET...]
#   -r  rounds over the targets (default 1; env ROUNDS)
#   TARGET  Class#method names from the list above (default: all of them)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-1}"
while getopts "r:h" opt; do
    case "$opt" in
        r) rounds="$OPTARG" ;;
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: ROUNDS must be a positive number" >&2; exit 2; }

all=(
    nbd-protocol:CodecFuzzTest#optionDecoder
    nbd-protocol:CodecFuzzTest#requestDecoder
    nbd-protocol:ReplyDecoderFuzzTest#replyDecoder
    mapper:TableFuzzTest#parse
    mapper:DiskLogFuzzTest#decodeAll
    daemon:PvDiskFuzzTest#read
    daemon:VgDocumentFuzzTest#decode
    daemon:RestFuzzTest#request
)
targets=()
if [[ $# -eq 0 ]]; then
    targets=("${all[@]}")
else
    for want in "$@"; do
        found=""
        for t in "${all[@]}"; do
            [[ "${t#*:}" == "$want" ]] && found="$t"
        done
        [[ -n "$found" ]] || { echo "fuzz.sh: unknown target '$want' (see -h)" >&2; exit 2; }
        targets+=("$found")
    done
fi

cd "$root"
findings=0
for round in $(seq 1 "$rounds"); do
    for t in "${targets[@]}"; do
        module="${t%%:*}" test="${t#*:}" class="${t#*:}"
        class="${class%%#*}"
        log="$module/target/fuzz-${test//#/-}.log"
        status=0
        JAZZER_FUZZ=1 mvn -B -q test -pl "$module" -am -Djazzer.hooks=true -Dtest="$test" \
            -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1 || status=$?
        report="$(ls "$module"/target/surefire-reports/*."$class"-output.txt 2>/dev/null | head -1)"
        done_line="$(grep -a -h -E '^#[0-9]+[[:space:]]+DONE' "$report" "$log" 2>/dev/null | tail -1 || true)"
        if [[ $status -eq 0 ]]; then
            outcome="no finding"
        else
            outcome="FINDING (see $log and $module/src/test/resources/**/${class}Inputs/)"
            findings=$((findings + 1))
        fi
        printf 'round %d  %-40s %s  %s\n' "$round" "$test" "${done_line:-(no libFuzzer summary)}" "$outcome"
    done
done
if [[ $findings -gt 0 ]]; then
    echo "fuzz.sh: $findings target run(s) found a problem" >&2
    exit 1
fi
