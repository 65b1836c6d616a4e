#!/bin/sh
# `make fuzz`'s runner: each libFuzzer target of BUILD for SECONDS, on a copy of its seed corpus
# (BUILD/corpus/<target>; the repository's corpus is never written) with its dictionary.
# A crash, a leak, a timeout or an out-of-memory stops that target; its input is saved as
# BUILD/artifacts/<target>/crash-… (or leak-, timeout-, oom-) and the script fails at the end
# naming every target that failed. Add such an input to tests/fuzz/corpus/<target>/ once fixed.
#
#   sh tests/fuzz/run_fuzzers.sh BUILD SECONDS [TARGET...]
#
# Without targets, every one with a corpus folder (tests/fuzz/corpus/<target>).
set -eu
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
    for d in "$src"/corpus/*/; do set -- "$@" "$(basename "$d")"; done
fi

failed=""
for t in "$@"; do
    corpus="$build/corpus/$t"
    artifacts="$build/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    cp "$src/corpus/$t"/* "$corpus/"
    echo "fuzz: $t for ${seconds}s"
    # -timeout: a single input taking this long is reported as a hang. -rss_limit_mb: libFuzzer's
    # default of 2 GB, stated. -print_final_stats: the executions a run made, for the log.
    if ! "$build/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
            -dict="$src/$t.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
            "$corpus" >"$build/fuzz_$t.log" 2>&1; then
        failed="$failed $t"
        tail -n 40 "$build/fuzz_$t.log"
        echo "fuzz: $t FAILED (log: $build/fuzz_$t.log; input: $(ls "$artifacts" | head -n 1))"
    else
        grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz_$t.log" || true
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
echo "fuzz: no crash in$(printf ' %s' "$@")"
