# Sourced by scripts/ovs-tests/runner.sh when OVS_TESTS_SHIM names it
# (test/ovs-tests/harness.ts does): every Open vSwitch program a converted
# OVS test may call becomes a shell function that asks ovsim, in the Node
# process that started this shell, to run it. A request is written on fd 3:
# NUL-terminated fields PROGRAM, CWD, ARGC, ARGV..., then "1" if the command
# reads standard input (an ovs-ofctl argument "-", or a command such as
# parse-nx-match that reads it; the input is first copied
# to $OVSIM_IO.in) or "0", then, for ovstest (whose daemons keep printing to
# the standard output they were started with, e.g. `> netflow.log`), the path
# of this shell's fd 1 when it is a regular file, else "". The answer on fd 4 is the exit status,
# NUL-terminated; the command's stdout and stderr are then in $OVSIM_IO.out
# and $OVSIM_IO.err. Everything else (sed, grep, sort, pipes, files) is the
# shell's, as against real OVS.
ovsim_call () {
    local st stdin=0 a out= me=$BASHPID
    if test "$1" = ovs-ofctl; then
        for a; do
            case $a in
                # ovs-ofctl's test commands that read standard input without a "-".
                -|parse-nx-match|parse-nxm|parse-oxm|parse-ofp10-match|parse-ofp11-match) stdin=1 ;;
            esac
        done
    fi
    if test $stdin = 1; then cat > "$OVSIM_IO.in"; fi
    if test "$1" = ovstest; then out=$(readlink -f "/proc/$me/fd/1"); test -f "$out" || out=; fi
    printf '%s\0' "$1" "$PWD" "$(($# - 1))" "${@:2}" "$stdin" "$out" >&3
    IFS= read -r -d '' st <&4
    # read, not cat: no process per command (read stops at the end of the file, keeping every byte).
    IFS= read -r -d '' a < "$OVSIM_IO.out"; printf '%s' "$a"
    IFS= read -r -d '' a < "$OVSIM_IO.err"; printf '%s' "$a" >&2
    return "$st"
}
for ovsim_prog in ovs-vsctl ovs-ofctl ovs-appctl ovs-dpctl ovs-pcap ovstest ovs-testcontroller \
        ovsdb-client ovsdb-tool ovsdb-server ovs-vswitchd ovs-pki ovs-vlan-test ovs-ofparse; do
    eval "$ovsim_prog () { ovsim_call $ovsim_prog \"\$@\"; }"
done
unset ovsim_prog
# ovsim's clock is virtual: a test's real-time sleep takes no time, but the
# daemon lives through it (ovsim-sleep: its clock runs and its revalidators
# wake, unless ovs-appctl time/stop stopped the clock).
sleep () { ovsim_call ovsim-sleep "$@"; }
