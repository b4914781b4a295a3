/**
 * How many arguments each ovs-ofctl command takes (utilities/ovs-ofctl.c's
 * command table, checked by lib/command-line.c before the command runs):
 * too few or too many is a fatal error in OVS's words.
 */
const ARITY = new Map<string, readonly [number, number]>([
  ["show", [1, 1]],
  ["monitor", [1, 3]],
  ["snoop", [1, 1]],
  ["dump-desc", [1, 1]],
  ["dump-tables", [1, 1]],
  ["dump-table-features", [1, 1]],
  ["dump-table-desc", [1, 1]],
  ["dump-flows", [1, 2]],
  ["dump-aggregate", [1, 2]],
  ["queue-stats", [1, 3]],
  ["queue-get-config", [1, 3]],
  ["add-flow", [2, 2]],
  ["add-flows", [2, 2]],
  ["mod-flows", [2, 2]],
  ["del-flows", [1, 2]],
  ["replace-flows", [2, 2]],
  ["diff-flows", [2, 2]],
  ["add-meter", [2, 2]],
  ["mod-meter", [2, 2]],
  ["del-meter", [1, 2]],
  ["del-meters", [1, 2]],
  ["dump-meter", [1, 2]],
  ["dump-meters", [1, 2]],
  ["meter-stats", [1, 2]],
  ["meter-features", [1, 1]],
  ["packet-out", [2, Infinity]],
  ["dump-ports", [1, 2]],
  ["dump-ports-desc", [1, 2]],
  ["mod-port", [3, 3]],
  ["mod-table", [3, 3]],
  ["get-frags", [1, 1]],
  ["set-frags", [2, 2]],
  ["probe", [1, 1]],
  ["ping", [1, 2]],
  ["benchmark", [3, 3]],
  ["dump-ipfix-bridge", [1, 1]],
  ["dump-ipfix-flow", [1, 1]],
  ["ct-flush-zone", [2, 2]],
  ["ct-flush", [1, 4]],
  ["ofp-parse", [1, 1]],
  ["ofp-parse-pcap", [1, Infinity]],
  ["add-group", [1, 2]],
  ["add-groups", [2, 2]],
  ["mod-group", [1, 2]],
  ["del-groups", [1, 2]],
  ["insert-buckets", [1, 2]],
  ["remove-buckets", [1, 2]],
  ["dump-groups", [1, 2]],
  ["dump-group-stats", [1, 2]],
  ["dump-group-features", [1, 1]],
  ["bundle", [2, 2]],
  ["add-tlv-map", [2, 2]],
  ["del-tlv-map", [1, 2]],
  ["dump-tlv-map", [1, 1]],
  ["parse-flow", [1, 1]],
  ["parse-flows", [1, 1]],
  ["parse-nx-match", [0, 0]],
  ["parse-nxm", [0, 0]],
  ["parse-oxm", [1, 1]],
  ["parse-ofp10-match", [0, 0]],
  ["parse-ofp11-match", [0, 0]],
  ["parse-pcap", [1, Infinity]],
  ["check-vlan", [2, 2]],
]);

/** The error ovs-ofctl stops with for `cmd` given `nArgs` arguments, or null (unknown commands are not checked here). */
export function ofctlArityError(cmd: string, nArgs: number): string | null {
  const a = ARITY.get(cmd);
  if (!a) return null;
  if (nArgs < a[0]) return `ovs-ofctl: '${cmd}' command requires at least ${a[0]} arguments`;
  if (nArgs > a[1]) return `ovs-ofctl: '${cmd}' command takes at most ${a[1]} arguments`;
  return null;
}
