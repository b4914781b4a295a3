#!/usr/bin/env bash
# runner.sh TEST.sh RESULTS_DIR: runs one converted OVS test (fixtures/ovs-tests)
# in the current directory, as autotest runs it: the test's shell code in one
# shell, each check a line
#   at_begin ID STDOUT STDERR; (eval $'COMMAND') >"$at_out" 2>"$at_err" </dev/null; at_end $? [skip]
# whose exit status, stdout and stderr are kept as RESULTS_DIR/N.rc ("ID STATUS"),
# N.out and N.err, N counting the checks as they run (a check in a loop runs more
# than once). STDOUT/STDERR "save" also copy them to the files stdout/stderr, as
# AT_CHECK's [stdout]/[stderr] do. An AT_SKIP_IF ("skip") that holds (status 77)
# writes RESULTS_DIR/skipped and ends the test; a test that ran to its end writes
# RESULTS_DIR/done. The same runner serves real OVS (fixtures/ovs-tests/record.sh,
# the ovs-* programs on PATH) and ovsim (test/ovs-tests/harness.ts, the ovs-*
# names as shell functions talking to ovsim: OVS_TESTS_SHIM).
AT_RESULTS=$2
mkdir -p "$AT_RESULTS"
at_seq=0

at_begin () {
    at_seq=$((at_seq + 1))
    at_id=$1 at_om=$2 at_em=$3
    at_out=$AT_RESULTS/$at_seq.out
    at_err=$AT_RESULTS/$at_seq.err
}

at_end () {
    echo "$at_id $1" >"$AT_RESULTS/$at_seq.rc"
    if test "$at_om" = save; then cp "$at_out" stdout; fi
    if test "$at_em" = save; then cp "$at_err" stderr; fi
    if test "${2:-}" = skip && test "$1" = 77; then
        : >"$AT_RESULTS/skipped"
        exit 0
    fi
    return 0
}

if test -n "${OVS_TESTS_SHIM:-}"; then . "$OVS_TESTS_SHIM"; fi
. "$(dirname "${BASH_SOURCE[0]}")/prelude.sh"
. "$1" >"$AT_RESULTS/shell.out" 2>"$AT_RESULTS/shell.err" </dev/null
: >"$AT_RESULTS/done"
