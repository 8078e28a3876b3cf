#!/usr/bin/env bash
# Runs libFuzzer harnesses: tests/fuzz/run.sh BUILD_DIR NAME...
# Each runs FUZZ_SECONDS (default 60) on a scratch copy of its seed corpus
# (tests/fuzz/corpus/NAME), with the options of the "FUZZ_ARGS:" line of its
# source (-max_len, -dict), and -seed=FUZZ_SEED when set. A crash, leak or sanitizer report fails the run;
# its input is kept in BUILD_DIR/crashes/NAME/. Prints one line per harness:
# seconds, execs, coverage.
set -uo pipefail
set -f   # FUZZ_ARGS are split on blanks, never globbed
build=$1; shift
secs=${FUZZ_SECONDS:-60}
seed=${FUZZ_SEED:+-seed=$FUZZ_SEED}
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
sym=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)
[ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH=$sym
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
fail=()
summary=()
for name in "$@"; do
  bin="$build/fuzz/fuzz_$name"
  src="$here/fuzz_$name.c"
  [ -x "$bin" ] || { echo "fuzz: $bin missing" >&2; fail+=("$name"); continue; }
  args=$(sed -n 's/^.*FUZZ_ARGS:\([^*]*\).*$/\1/p' "$src" | head -n1)
  args=${args//@DIR@/$here}
  work=$(mktemp -d "${TMPDIR:-/tmp}/c6fuzz.$name.XXXXXX")
  mkdir -p "$work/corpus" "$build/crashes/$name"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/corpus/"
  log="$build/fuzz/$name.log"
  echo "== fuzz_$name: ${secs}s $args"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $seed \
    -artifact_prefix="$build/crashes/$name/" $args "$work/corpus" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  line=$(printf '%-14s %5ss %12s execs  cov %s' "$name" "$took" "${execs:-?}" "${cov:-?}")
  if [ $rc -ne 0 ]; then
    line="$line  FAILED (rc $rc, see $log)"
    fail+=("$name")
    grep -m1 -E 'ERROR: |runtime error|SUMMARY' "$log" >&2 || tail -n 20 "$log" >&2
    ls "$build/crashes/$name/" >&2
  fi
  echo "$line"
  summary+=("$line")
  rm -rf "$work"
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#fail[@]} -ne 0 ]; then
  echo "fuzz: findings in: ${fail[*]}" >&2
  exit 1
fi
