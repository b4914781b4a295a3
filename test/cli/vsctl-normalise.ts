/**
 * Makes ovs-vsctl output comparable between real OVS and ovsim. Real OVS
 * values that are random by design are replaced on BOTH sides:
 *
 * - uuids (row uuids, `_uuid`, uuid sets, the first line of `show`) -> <uuid>;
 * - `datapath_id` -> <dpid> (OVS derives it from the bridge's random uuid);
 * - `mac_in_use` / `hw_addr` -> <mac> (random for tunnel, patch and bridge ports);
 * - the log directory in "Error detected while setting up" messages -> <logdir>.
 *
 * The ORDER of rows that OVS prints in hash-table or uuid order is random too:
 * records of `list` / `find` (blank-line separated) are sorted, and in `show`
 * the Bridge blocks, each bridge's Port blocks and each port's Interface blocks are sorted (other lines stay
 * where they are). ovsim prints them in a fixed order (uuid = creation order).
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function scrub(line: string): string {
  return line
    .replace(UUID, "<uuid>")
    .replace(/^(datapath_id\s*: )"[0-9a-f]{16}"$/, '$1"<dpid>"')
    .replace(/^((?:mac_in_use|hw_addr)\s*: )"[0-9a-f:]{17}"$/, '$1"<mac>"')
    .replace(/The default log directory is ".*"\./, 'The default log directory is "<logdir>".');
}

interface Node {
  line: string;
  children: Node[];
}

function indentOf(l: string): number {
  return l.length - l.trimStart().length;
}

function tree(lines: string[]): Node[] {
  const root: Node = { line: "", children: [] };
  const stack: { node: Node; indent: number }[] = [{ node: root, indent: -1 }];
  for (const l of lines) {
    const ind = indentOf(l);
    while ((stack[stack.length - 1] as { indent: number }).indent >= ind) stack.pop();
    const n: Node = { line: l, children: [] };
    (stack[stack.length - 1] as { node: Node }).node.children.push(n);
    stack.push({ node: n, indent: ind });
  }
  return root.children;
}

function flatten(nodes: Node[]): string[] {
  return nodes.flatMap((n) => [n.line, ...flatten(n.children)]);
}

function sortBlocks(nodes: Node[]): Node[] {
  for (const n of nodes) n.children = sortBlocks(n.children);
  const isBlock = (n: Node): boolean => /^\s*(Bridge|Port|Interface) /.test(n.line);
  const blocks = nodes.filter(isBlock).sort((a, b) => {
    const x = flatten([a]).join("\n");
    const y = flatten([b]).join("\n");
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let k = 0;
  return nodes.map((n) => (isBlock(n) ? (blocks[k++] as Node) : n));
}

function normaliseCommand(command: string, out: string[]): string[] {
  const lines = out.map(scrub);
  if (/\bshow\b/.test(command) && lines[0] === "<uuid>") return flatten(sortBlocks(tree(lines)));
  if (/\b(list|find)\b/.test(command) && lines.includes("")) {
    const records: string[][] = [[]];
    for (const l of lines) {
      if (l === "") records.push([]);
      else (records[records.length - 1] as string[]).push(l);
    }
    return records
      .map((r) => r.join("\n"))
      .sort()
      .join("\n\n")
      .split("\n");
  }
  return lines;
}

/** Normalises a whole traced transcript (`### <command>` lines followed by output). */
export function normaliseTranscript(text: string): string {
  const out: string[] = [];
  let command = "";
  let block: string[] = [];
  const flush = (): void => {
    if (command !== "") out.push(`### ${command}`, ...normaliseCommand(command, block));
    block = [];
  };
  for (const l of text.replace(/\n$/, "").split("\n")) {
    if (l.startsWith("### ")) {
      flush();
      command = l.slice(4);
    } else block.push(l);
  }
  flush();
  return `${out.join("\n")}\n`;
}
