/**
 * `dpctl normalize-actions FLOW ACTIONS [NAME=NUMBER...]` (lib/dpctl.c
 * dpctl_normalize_actions): datapath actions in a canonical form, so that
 * two action lists that do the same thing compare equal whatever order
 * translation emitted their outputs in (OVS's tests compare ofproto/trace's
 * "Datapath actions" with an expected list this way).
 *
 * The rule:
 * - FLOW is a datapath key in ODP text (odp-flow-parse.ts); NAME=NUMBER
 *   arguments name datapath ports for it and for ACTIONS. It is printed back
 *   first: `input flow: ` and its attributes, in the order the text gave
 *   them, each as odp_flow_key_format prints a key (values, no masks).
 * - The actions are walked in order over a copy of the flow: `push_vlan`
 *   and `pop_vlan` change its VLAN headers (flow_push_vlan_uninit /
 *   flow_pop_vlan) and are dropped; every other action is appended to the
 *   list of the flow as it is at that point.
 * - The lists are printed in the order of their flows (flow_compare_3way, a
 *   memcmp of struct flow: the flows differ only in their VLAN headers, so
 *   outer TPID, outer TCI, inner TPID, inner TCI, each big-endian), each run
 *   of consecutive outputs sorted by port number, as `vlan(vid=V,pcp=P): `
 *   per header (`tpid=0x....,` first when not 0x8100, printed from its
 *   network-order bytes as OVS does: 0x88a8 shows as 0xa888) or
 *   `no vlan: `, then `mpls(label=L,tc=T,ttl=N): ` or `no mpls: `, then
 *   the actions. No newline ends a list (dpctl_puts), so several lists share
 *   one line, as OVS prints them.
 *
 * Actions: a port number or NAME is an output; `drop`, `push_vlan(...)`
 * (`[tpid=N,]vid=N,pcp=N[,cfi=N]`, cfi 1 by default) and `pop_vlan` are
 * read as OVS reads them. ovsim does not parse other datapath actions: it
 * keeps their text as given (OVS prints its own canonical form of them), and
 * so accepts actions OVS would refuse.
 */
import { XM } from "../actions/xlate/odp-metadata.js";
import { M, readSmall, writeMember } from "../flowtable/flow-layout.js";
import { formatOdpKey } from "./dpif-netdev-format.js";
import { parseOdpFlow } from "./odp-flow-parse.js";

const VLAN_CFI = 0x1000;
const ETH_TYPE_VLAN = 0x8100;

/** One parsed action: an output, a VLAN push or pop, or an action kept as its text. */
export type NormAction =
  | { readonly kind: "output"; readonly port: number }
  | { readonly kind: "push_vlan"; readonly tpid: number; readonly tci: number }
  | { readonly kind: "pop_vlan" }
  | { readonly kind: "text"; readonly text: string };

/** The outcome: what goes to standard output and, on failure, the error (without the program's prefix). */
export interface NormalizeResult {
  readonly stdout: string;
  readonly error: string | null;
}

/** Splits `s` at the commas outside parentheses. */
function topLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.length > start) out.push(s.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== "");
}

function attrName(token: string): string {
  const open = token.indexOf("(");
  return (open < 0 ? token : token.slice(0, open)).trim();
}

function attrBody(token: string): string {
  const open = token.indexOf("(");
  return open < 0 ? "" : token.slice(open + 1, token.lastIndexOf(")"));
}

/**
 * The attributes of the canonical text `full` that `given` names, in `given`'s
 * order (inside `encap(...)` too): a key printed as its input listed it.
 */
function inInputOrder(given: string, full: string): string {
  const have = new Map<string, string>();
  for (const t of topLevel(full)) if (!have.has(attrName(t))) have.set(attrName(t), t);
  const out: string[] = [];
  for (const t of topLevel(given.replace(/^\s*ufid:\S+\s+/, ""))) {
    const name = attrName(t);
    const mine = have.get(name);
    if (mine === undefined) continue;
    out.push(name === "encap" ? `encap(${inInputOrder(attrBody(t), attrBody(mine))})` : mine);
  }
  return out.join(",");
}

/** C's %i: 0x hex, leading-0 octal, else decimal (with sign). */
function scanInt(s: string): number | null {
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(s);
  if (m === null) return null;
  const body = m[2] ?? "";
  const v = /^0x/i.test(body) ? parseInt(body, 16) : body.length > 1 && body.startsWith("0") ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

/** `push_vlan(...)` as parse_odp_action reads it, or null. */
function parsePushVlan(body: string): NormAction | null {
  const fields = body.split(",");
  const names = fields.map((f) => f.split("=")[0]);
  const forms = [["vid", "pcp"], ["vid", "pcp", "cfi"], ["tpid", "vid", "pcp"], ["tpid", "vid", "pcp", "cfi"]];
  if (!forms.some((f) => f.length === names.length && f.every((n, i) => n === names[i]))) return null;
  const v = new Map<string, number>();
  for (const f of fields) {
    const [name = "", value = ""] = f.split("=");
    const n = scanInt(value);
    if (n === null) return null;
    v.set(name, n);
  }
  const cfi = (v.get("cfi") ?? 1) !== 0 ? VLAN_CFI : 0;
  const tci = (((v.get("vid") ?? 0) | ((v.get("pcp") ?? 0) << 13) | cfi) & 0xffff) >>> 0;
  return { kind: "push_vlan", tpid: (v.get("tpid") ?? ETH_TYPE_VLAN) & 0xffff, tci };
}

/** The names of the datapath actions (odp-util.c parse_odp_action): another word is an error. */
const ODP_ACTION_NAMES: ReadonlySet<string> = new Set([
  "drop", "userspace", "set", "sample", "recirc", "hash", "push_mpls", "pop_mpls", "add_mpls", "trunc", "ct", "ct_clear",
  "clone", "tnl_push", "tnl_pop", "push_eth", "pop_eth", "push_nsh", "pop_nsh", "meter", "check_pkt_len", "dec_ttl",
  "lb_output",
]);

/** Reads datapath actions as odp_actions_from_string does for these kinds; null: OVS refuses them. @internal */
export function parseActions(s: string, ports: ReadonlyMap<string, number>): NormAction[] | null {
  const out: NormAction[] = [];
  for (const t of topLevel(s)) {
    const n = /^[0-9]+$/.test(t) ? Number(t) : ports.get(t);
    if (n !== undefined) out.push({ kind: "output", port: n >>> 0 });
    else if (t === "pop_vlan") out.push({ kind: "pop_vlan" });
    else if (attrName(t) === "push_vlan") {
      const a = parsePushVlan(attrBody(t));
      if (a === null) return null;
      out.push(a);
    } else if (ODP_ACTION_NAMES.has(attrName(t)) && /^[a-z_]+(\(.*\))?$/.test(t)) out.push({ kind: "text", text: t });
    else return null;
  }
  return out;
}

/** A flow's VLAN headers, outermost first: [tpid, tci] each (tci 0: none). */
type Vlans = [number, number, number, number];

interface ActionsForFlow {
  readonly vlans: Vlans;
  readonly actions: NormAction[];
}

function compareVlans(a: Vlans, b: Vlans): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0) ? -1 : 1;
  return 0;
}

/** Sorts each run of consecutive outputs by port (sort_output_actions). */
function sortOutputRuns(actions: NormAction[]): NormAction[] {
  const out: NormAction[] = [];
  let run: { kind: "output"; port: number }[] = [];
  const flush = (): void => {
    run.sort((x, y) => x.port - y.port);
    out.push(...run);
    run = [];
  };
  for (const a of actions) {
    if (a.kind === "output") run.push(a);
    else {
      flush();
      out.push(a);
    }
  }
  flush();
  return out;
}

function formatAction(a: NormAction): string {
  switch (a.kind) {
    case "output":
      return String(a.port);
    case "text":
      return a.text;
    case "push_vlan":
    case "pop_vlan":
      return "";
  }
}

/** The `vlan(...)`/`no vlan: ` prefix of a list. */
function vlanPrefix(v: Vlans): string {
  let s = "";
  for (let level = 0; level < 2; level++) {
    const tpid = v[level * 2] ?? 0;
    const tci = v[level * 2 + 1] ?? 0;
    if (tci === 0) {
      if (level === 0) s += "no vlan: ";
      break;
    }
    // OVS prints the be16 TPID with %04x: its bytes swapped on a little-endian host.
    const swapped = ((tpid & 0xff) << 8) | (tpid >>> 8);
    s += `vlan(${tpid !== ETH_TYPE_VLAN ? `tpid=0x${swapped.toString(16).padStart(4, "0")},` : ""}vid=${tci & 0xfff},pcp=${(tci >>> 13) & 7}): `;
  }
  return s;
}

/** dpctl_normalize_actions over `args` (FLOW ACTIONS [NAME=NUMBER...]). */
export function normalizeActions(args: readonly string[]): NormalizeResult {
  const [flowText = "", actionsText = "", ...names] = args;
  const ports = new Map<string, number>();
  for (const a of names) {
    const m = /^([^=]{1,15})=([+-]?\d+)/.exec(a);
    if (m === null) return { stdout: "", error: `${a}: expected NAME=NUMBER` };
    ports.set(m[1] ?? "", Number(m[2]));
  }
  const parsed = parseOdpFlow(flowText, ports);
  if (!parsed.ok) return { stdout: "", error: `odp_flow_key_from_string (${parsed.error}) (Invalid argument)` };
  const flow = parsed.flow;
  if (parsed.odpInPort !== null) writeMember(flow, M.inPort, BigInt(parsed.odpInPort));
  let stdout = `input flow: ${inInputOrder(flowText, formatOdpKey(flow))}\n`;
  const actions = parseActions(actionsText, ports);
  if (actions === null) return { stdout, error: "odp_actions_from_string (Invalid argument)" };

  const vlans: Vlans = [
    readSmall(flow, M.vlanTci) === 0 ? 0 : readSmall(flow, XM.vlanTpid) || ETH_TYPE_VLAN,
    readSmall(flow, M.vlanTci),
    readSmall(flow, M.vlanTci1) === 0 ? 0 : readSmall(flow, XM.vlanTpid1) || ETH_TYPE_VLAN,
    readSmall(flow, M.vlanTci1),
  ];
  const lists: ActionsForFlow[] = [];
  for (const a of actions) {
    if (a.kind === "pop_vlan") {
      vlans.splice(0, 4, vlans[2], vlans[3], 0, 0);
      continue;
    }
    if (a.kind === "push_vlan") {
      vlans.splice(0, 4, a.tpid, a.tci, vlans[0], vlans[1]);
      continue;
    }
    let list = lists.find((l) => compareVlans(l.vlans, vlans) === 0);
    if (list === undefined) {
      list = { vlans: [...vlans], actions: [] };
      lists.push(list);
    }
    list.actions.push(a);
  }
  lists.sort((x, y) => compareVlans(x.vlans, y.vlans));
  const dlType = readSmall(flow, M.dlType);
  const lse = readSmall(flow, M.mplsLse);
  const mpls = dlType === 0x8847 || dlType === 0x8848 ? `mpls(label=${lse >>> 12},tc=${(lse >>> 9) & 7},ttl=${lse & 0xff}): ` : "no mpls: ";
  for (const l of lists) stdout += `${vlanPrefix(l.vlans)}${mpls}${sortOutputRuns(l.actions).map(formatAction).join(",")}`;
  return { stdout, error: null };
}
