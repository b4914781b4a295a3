/**
 * Makes `ovsim cloud` output and a neutron-run golden comparable, as
 * fixtures/cloud/README.md says to compare them:
 * - `cookie=0x...` (random per bridge per run in real Neutron, also inside
 *   br-tun's `learn(...)`) becomes `cookie=0xCOOKIE`;
 * - the lines inside each `### COMMAND` block are sorted (OVS dumps flows in
 *   classifier hash order, `ovs-vsctl list` in uuid order);
 * - `### HOST: COMMAND` (ovsim, several hosts) becomes `### COMMAND`
 *   (neutron-run runs one host and never prints the host).
 */
export interface Block {
  readonly command: string;
  readonly lines: readonly string[];
}

export function normaliseCookies(line: string): string {
  return line.replace(/cookie=0x[0-9a-f]+/g, "cookie=0xCOOKIE");
}

/**
 * The `### ` blocks of an output, normalised; `host` is stripped from
 * ovsim's `### HOST: ` headers.
 */
export function cloudBlocks(text: string, host?: string): Block[] {
  const out: Block[] = [];
  let cur: { command: string; lines: string[] } | null = null;
  for (const raw of text.replace(/\n$/, "").split("\n")) {
    if (raw.startsWith("### ")) {
      let command = raw.slice(4);
      if (host !== undefined && command.startsWith(`${host}: `)) command = command.slice(host.length + 2);
      cur = { command, lines: [] };
      out.push(cur);
    } else if (cur !== null) cur.lines.push(raw);
  }
  return out.map((b) => ({ command: b.command, lines: b.lines.map(normaliseCookies).sort() }));
}
