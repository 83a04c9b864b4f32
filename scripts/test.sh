#!/usr/bin/env bash
# Installs the Debian tools the interop tests drive (when missing), then runs the whole build and
# test suite: mvn -B verify. Works from any directory; extra arguments go to Maven.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-tools.sh" \
    || echo "test.sh: could not install every tool; interop tests needing a missing one will be skipped" >&2
cd "$root"
exec mvn -B verify "$@"
