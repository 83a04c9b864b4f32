#!/usr/bin/env bash
# Installs the Debian tools the interop tests drive (when missing), then runs the whole build and test suite:
# mvn -B verify. Works from any directory; extra arguments go to Maven.
# Fails, naming the package, when a tool cannot be installed. With env FERRY_REQUIRE_ALL=1 (.ci/run sets it; env CI
# implies it unless FERRY_REQUIRE_ALL=0) every test must run: an environment-dependent skip fails its test (each
# module's TestRules), and after Maven any test that this run's surefire/failsafe reports mark skipped fails the run,
# listed with its class, name and message. After a failed run it prints the thread dumps surefire wrote when it
# killed a test JVM at its fork timeout (target/*-reports/*.dumpstream).
# Before Maven it starts a private Docker engine (scripts/docker-engine.sh: loopback only, no registry, no bridge)
# and builds the base image the container tests (*IT, failsafe) need; it stops the engine afterwards.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! "$root/scripts/install-tools.sh"; then
    echo "test.sh: a tool the tests need could not be installed (install-tools.sh names it above)" >&2
    exit 1
fi
cd "$root"

require="${FERRY_REQUIRE_ALL:-${CI:-}}"
[[ -n "$require" && "$require" != 0 && "${require,,}" != false ]] && require_all=1 || require_all=0

marker="$(mktemp)"
engine=0
cleanup() {
    rm -f "$marker"
    ((engine == 0)) || "$root/scripts/docker-engine.sh" stop >/dev/null || true
}
trap cleanup EXIT
if docker_env="$("$root/scripts/docker-engine.sh" start)"; then
    engine=1
    eval "$docker_env"
    "$root/docker/build-image.sh" --base-only \
        || echo "test.sh: could not build the base image; the container tests will fail (or skip off CI)" >&2
else
    echo "test.sh: could not start a Docker engine; the container tests will fail (or skip off CI)" >&2
fi
status=0
mvn -B verify "$@" || status=$?

# This run's reports only: a report older than the marker is from an earlier build.
mapfile -t reports < <(find . -path '*/target/*-reports/*' -newer "$marker" -name 'TEST-*.xml' | sort)
if ((status != 0)); then
    while IFS= read -r dump; do
        echo "test.sh: $dump (a test JVM killed at its fork timeout, or that died):" >&2
        cat "$dump" >&2
    done < <(find . -path '*/target/*-reports/*' -newer "$marker" -name '*.dumpstream' | sort)
fi
if ((require_all)) && ((${#reports[@]})); then
    skipped="$(awk '
        function attr(line, key) {
            return match(line, " " key "=\"[^\"]*\"") ? substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 4) : ""
        }
        /<testcase / { test = attr($0, "classname") "#" attr($0, "name") }
        /<skipped/ { message = attr($0, "message"); print "  " test ": " (message == "" ? "(no reason given)" : message) }
    ' "${reports[@]}")"
    if [[ -n "$skipped" ]]; then
        echo "test.sh: FERRY_REQUIRE_ALL: every test must run, but these were skipped:" >&2
        echo "$skipped" >&2
        status=1
    fi
fi
exit "$status"
