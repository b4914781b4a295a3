/**
 * A trace cut into the ticks the step control walks: each table lookup,
 * then each action line run there. Beside each tick the page shows the
 * packet's fields; they start as the trace's `Flow:` and change where the
 * trace itself says a field was written: `set_field:V->F`, `load:V->F`,
 * `mod_*` actions and the trace's own `-> F is now V` lines (move, learn).
 * The last tick shows the trace's final flow as the library computed it,
 * so the picture never rests on this display's reading of action text.
 */
import { fieldByName, fieldBySubfieldName } from "../../src/flowtable/fields.js";
import type { Trace } from "../../src/vswitchd/trace.js";

export interface Tick {
  /** Index into trace.steps. */
  readonly step: number;
  /** -1: the lookup itself; else the index of the action line. */
  readonly action: number;
  readonly text: string;
  /** The packet's fields after this tick, in Flow: order. */
  readonly fields: ReadonlyMap<string, string>;
  /** Fields this tick changed. */
  readonly changed: ReadonlySet<string>;
}

/** `icmp,in_port=2,dl_src=...` as an ordered map (bare words map to ""). */
export function flowFields(flow: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const tok of flow.split(",")) {
    const t = tok.trim();
    if (t === "") continue;
    const eq = t.indexOf("=");
    if (eq < 0) out.set(t, "");
    else out.set(t.slice(0, eq), t.slice(eq + 1));
  }
  return out;
}

/** The name a Flow: line uses for field `name` (an alias, NXM name or canonical name), if it shows it. */
function shownName(fields: ReadonlyMap<string, string>, name: string): string {
  const bare = name.replace(/\[.*\]$/, "");
  const spec = fieldByName(bare) ?? fieldBySubfieldName(bare);
  if (spec === undefined) return name;
  for (const n of [spec.name, ...spec.aliases]) if (fields.has(n)) return n;
  // The Flow: line prefers OVS's old names (dl_src, nw_dst); take the first alias as it would.
  return spec.aliases.find((a) => /^(dl|nw|tp|arp)_/.test(a)) ?? spec.name;
}

/** The write an action line (or a trace detail line) makes, as [field, value], or null. */
function writeOf(line: string): [string, string] | null {
  const t = line.trim();
  let m = /^set_field:(.+)->([^>]+)$/.exec(t) ?? /^load:(\S+)->(\S+)$/.exec(t);
  if (m !== null) return [m[2] ?? "", m[1] ?? ""];
  m = /^(?:-> )?(\S+) is now (.+)$/.exec(t);
  if (m !== null) return [m[1] ?? "", m[2] ?? ""];
  m = /^mod_(dl_src|dl_dst|nw_src|nw_dst|tp_src|tp_dst|nw_tos|vlan_vid|vlan_pcp):(\S+)$/.exec(t);
  if (m !== null) return [m[1] === "vlan_vid" ? "dl_vlan" : m[1] === "vlan_pcp" ? "dl_vlan_pcp" : (m[1] ?? ""), m[2] ?? ""];
  return null;
}

export function traceTicks(trace: Trace): Tick[] {
  let fields = flowFields(trace.flow);
  const ticks: Tick[] = [];
  trace.steps.forEach((s, i) => {
    const rule = s.rule === null ? "no flow matched (miss)" : `priority=${s.rule.priority}${s.rule.match === "" ? "" : `,${s.rule.match}`}`;
    ticks.push({ step: i, action: -1, text: `${s.bridge} table ${s.table}: ${rule}`, fields, changed: new Set() });
    s.actions.forEach((a, j) => {
      const w = writeOf(a);
      const changed = new Set<string>();
      if (w !== null) {
        const name = shownName(fields, w[0]);
        fields = new Map(fields);
        fields.set(name, w[1]);
        changed.add(name);
      } else if (/^(strip_vlan|pop_vlan)$/.test(a.trim())) {
        fields = new Map(fields);
        fields.delete("dl_vlan");
        fields.delete("dl_vlan_pcp");
        fields.set("vlan_tci", "0x0000");
        changed.add("vlan_tci");
      }
      ticks.push({ step: i, action: j, text: a, fields, changed });
    });
  });
  // The library's word on the final flow: "unchanged" when translation left it as it came (patch ports restore the flow on return).
  const final = flowFields(trace.finalFlow ?? trace.flow);
  const initial = flowFields(trace.flow);
  const changed = new Set([...final].filter(([k, v]) => initial.get(k) !== v).map(([k]) => k));
  ticks.push({ step: trace.steps.length, action: -1, text: trace.finalFlow === null ? "Final flow: unchanged (translation left the packet as it came)" : "Final flow: as translation left it", fields: final, changed });
  return ticks;
}
