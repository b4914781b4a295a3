# The shell environment of Open vSwitch's testsuite, for the converted tests
# (fixtures/ovs-tests): atlocal's variables and the helpers of OVS branch-3.1
# tests/ovs-macros.at and tests/ofproto-macros.at (Apache License 2.0), as
# shell; sourced by scripts/ovs-tests/runner.sh, the same against real OVS
# and against ovsim. Daemons are the caller's (ovs-run's sandbox, or ovsim),
# so start/stop helpers only do what a test can observe.

# atlocal (a Linux build with Python 3, no DPDK, no OpenSSL).
PYTHON3=${PYTHON3:-python3}
HAVE_PYTHON3=yes
HAVE_IPV6=yes
HAVE_OPENSSL=no
IS_WIN32=no
IS_BSD=no
LOOPBACK_INTERFACE=lo
EGREP='grep -E'
OVS_CTL_TIMEOUT=30
PYTHONIOENCODING=utf_8
export PYTHONIOENCODING
ovs_base=$(pwd)
: "${OVS_RUNDIR:=$ovs_base}" "${OVS_LOGDIR:=$ovs_base}" "${OVS_DBDIR:=$ovs_base}" "${OVS_SYSCONFDIR:=$ovs_base}"
export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR

# Cleanup is the caller's: it stops the sandbox (or drops the in-process switch).
on_exit () { :; }

ofctl_strip () {
    sed '
s/ (xid=0x[0-9a-fA-F]*)//
s/ duration=[0-9.]*s,//
s/ cookie=0x0,//
s/ table=0,//
s/ n_packets=0,//
s/ n_bytes=0,//
s/ idle_age=[0-9]*,//
s/ hard_age=[0-9]*,//
s/dp_hash=0x[0-9a-f]*\//dp_hash=0x0\//
s/recirc_id=0x[0-9a-f]*,/recirc_id=0x0,/
s/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z|//
s/dir\/[0-9]*\/br0.mgmt/dir\/XXXX\/br0.mgmt/
'
}

print_vconn_debug () { awk -F\| < ovs-vswitchd.log '
BEGIN { prt=0 }
/\|vconn\|DBG\|/ { sub(/[ \t]*$/, ""); print $3 "|" $4 "|" $5; prt=1; next }
$4 != "" { prt=0; next }
prt==1 { sub(/[ \t]*$/, ""); print $0 }
'
}

vconn_sub () {
    sed '
s/tcp:127.0.0.1:[0-9][0-9]*:/unix:/
s/unix#[0-9]*:/unix:/
'
}

strip_xids () { sed 's/ (xid=0x[0-9a-fA-F]*)//'; }
strip_used () { sed 's/used:[0-9]\.[0-9]*/used:0.0/'; }
strip_duration () { sed 's/duration=[0-9]*\.[0-9]*s,//'; }
strip_ufid () { sed 's/mega_ufid:[-0-9a-f]* //
    s/ufid:[-0-9a-f]* //'; }
strip_stats () { sed 's/packets:[0-9]*/packets:0/
    s/bytes:[0-9]*/bytes:0/'; }
strip_key32 () { sed 's/key32([0-9 \/]*),//'; }
strip_ptype () { sed 's/packet_type(ns=[0-9]*,id=[0-9]*),//'; }
strip_eth () { sed 's/eth(),//'; }
strip_recirc () { sed 's/recirc_id([x0-9]*)/recirc_id(<recirc>)/
        s/recirc_id=[x0-9]*/recirc_id=<recirc>/
        s/recirc([x0-9]*)/recirc(<recirc>)/'; }
strip_dp_hash () { sed 's/dp_hash([0-9a-fx/]*),//'; }

# OVS_VSWITCHD_STOP's log check is not run (ovsim has no log file); a test that calls it itself gets nothing.
check_logs () { :; }

add_of_br () {
    local brnum=$1; shift
    local br=br$brnum
    local dpid=fedcba987654321$brnum
    local mac=aa:55:aa:55:00:0$brnum
    ovs-vsctl \
        -- add-br $br \
        -- set bridge $br datapath-type=dummy \
                          fail-mode=secure \
                          other-config:datapath-id=$dpid \
                          other-config:hwaddr=$mac \
                          protocols="[OpenFlow10,OpenFlow11,OpenFlow12,\
OpenFlow13,OpenFlow14,OpenFlow15]" \
        -- "$@"
}

add_of_ports__ () {
    local args=
    local pcap=false
    local ptype=$1
    shift
    if test "$1" = --pcap; then
        pcap=:
        shift
    fi
    local br=$1; shift
    for pnum; do
        args="$args -- add-port $br p$pnum -- set Interface p$pnum type=$ptype ofport_request=$pnum"
        if $pcap; then
            args="$args -- set Interface p$pnum options:rxq_pcap=p$pnum-rx.pcap options:tx_pcap=p$pnum-tx.pcap"
        fi
    done
    echo ovs-vsctl $args
    ovs-vsctl $args
}
add_of_ports () { add_of_ports__ dummy $@; }
add_pmd_of_ports () { add_of_ports__ dummy-pmd $@; }
as_var_append () { eval $1=\$$1\$2; }

wc () { command wc "$@" | tr -s ' ' ' ' | sed 's/^ *//'; }

# uuidfilt: each distinct UUID becomes <0>, <1>, ... in order of appearance (tests/uuidfilt.py's rule).
uuidfilt () {
    "$PYTHON3" -c '
import re, sys
u = "[0-9a-fA-F]"
uuid_re = re.compile(r"%s{8}(?<!ffffffff)-%s{4}-%s{4}-%s{4}-%s{12}" % ((u,) * 5))
seen = {}
def sub(m):
    return "<%d>" % seen.setdefault(m.group(0), len(seen))
for arg in sys.argv[1:]:
    seen.setdefault(arg, len(seen))
for line in sys.stdin:
    sys.stdout.write(uuid_re.sub(sub, line))
' "$@"
}

# OVS_WAIT_UNTIL / OVS_WAIT_WHILE: ovs_wait_cond until it succeeds. OVS waits up to
# OVS_CTL_TIMEOUT seconds; against ovsim nothing changes while the shell sleeps, so
# the harness sets OVS_WAIT_TRIES=1.
ovs_wait () {
    ovs_wait_cond && return 0
    local d
    for d in $(seq 1 "${OVS_WAIT_TRIES:-100}"); do
        sleep "${OVS_WAIT_SLEEP:-0.1}"
        ovs_wait_cond && return 0
    done
    return 1
}

# OVS_APP_EXIT_AND_WAIT(DAEMON)
ovs_app_exit_and_wait () {
    test -e "$OVS_RUNDIR/$1.pid" || return 1
    local pid
    pid=$(cat "$OVS_RUNDIR/$1.pid")
    if test "$1" = ovs-vswitchd; then ovs-appctl -t "$1" exit --cleanup; else ovs-appctl -t "$1" exit; fi
    ovs_wait_cond () { if kill -0 "$pid" 2>/dev/null; then return 1; else return 0; fi; }
    ovs_wait
}

# The PREPARE_TESTS helpers of the converted files themselves.
. "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/ovs-tests/prepare.sh"
