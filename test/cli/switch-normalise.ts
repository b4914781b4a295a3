/**
 * Makes ovs-ofctl / ovs-appctl output comparable between real OVS and ovsim.
 * Values that are random or wall-clock dependent in real OVS are replaced on
 * BOTH sides:
 *
 * - `dpid:<16 hex>` -> dpid:<dpid> (OVS derives it from the bridge's random uuid);
 * - MACs other than netdev-dummy's `aa:55:aa:55:..` -> <mac> (bridge, patch and
 *   tunnel ports get random ones);
 * - durations (`duration=0.192s` in port and flow stats) -> duration=<t>.
 * - a uuid alone on its line (what `ovs-vsctl create` prints) -> <uuid>.
 *
 * netdev-dummy's own MACs are deterministic and compared as they are.
 *
 * `diff-flows` prints in the order of ovs-ofctl's classifier (hash order):
 * its lines are sorted on both sides.
 */
const MAC = /\b(?!aa:55:aa:55:)[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g;

export function normaliseSwitchOutput(text: string): string {
  return text
    .split("\n")
    .map((l) =>
      l
        .replace(/dpid:[0-9a-f]{16}/, "dpid:<dpid>")
        .replace(/addr:[0-9a-f:]{17}/, (m) => (m.startsWith("addr:aa:55:aa:55:") ? m : "addr:<mac>"))
        .replace(/duration=\d+(?:\.\d+)?s/g, "duration=<t>")
        .replace(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "<uuid>")
        .replace(/^(\s*"?)([0-9a-f]{2}(?::[0-9a-f]{2}){5})("?)$/, (m, a: string, mac: string, b: string) =>
          mac.startsWith("aa:55:aa:55:") ? m : `${a}<mac>${b}`,
        ),
    )
    .join("\n");
}

export { MAC };

/** Normalises a traced transcript (`### <command>` lines followed by output). */
export function normaliseSwitchTranscript(text: string): string {
  const out: string[] = [];
  let command = "";
  let block: string[] = [];
  const flush = (): void => {
    if (command !== "") out.push(`### ${command}`, ...(/\bdiff-flows\b/.test(command) ? [...block].sort() : block));
    block = [];
  };
  for (const l of normaliseSwitchOutput(text.replace(/\n$/, "")).split("\n")) {
    if (l.startsWith("### ")) {
      flush();
      command = l.slice(4);
    } else block.push(l);
  }
  flush();
  return `${out.join("\n")}\n`;
}
