/**
 * The OpenFlow half of an agent bridge: Neutron's native
 * `OpenFlowSwitchMixin` (openflow/native/ofswitch.py) with
 * `OVSBridgeCookieMixin` (openflow/br_cookie.py), and the text flow_mods of
 * `ovs_lib.OVSBridge.add_flow / delete_flows` with their `deferred(...)`
 * batches, over the switch API.
 *
 * Cookies. Each bridge object draws one random 64-bit cookie when it is made
 * (`generate_random_cookie`: random.randrange(2^64 - 1)); every flow the
 * agent installs on that bridge carries it, and every delete is masked to it
 * (`cookie=C/-1`) unless it says otherwise. A new agent (a restart) makes new
 * bridge objects, so new cookies: its first full sync re-adds the flows it
 * wants (an add with the same match and priority replaces a flow, cookie
 * included) and `cleanup_flows` then deletes every flow whose cookie is not
 * one of the bridge's reserved cookies, table by table of `of_tables`.
 *
 * Messages. The native driver sends OpenFlow 1.3 flow_mods built with os-ken
 * (goto_table, push_vlan + set_field:vlan_vid, set_field of registers and
 * tun_id); here they are the same flow_mods in ovs-ofctl's OpenFlow 1.3 text,
 * given to `Switch.addFlow / deleteFlows` with `{ version: 13 }`: what ovsim
 * then holds is what OVS holds, and a dump over OpenFlow 1.0 prints them as
 * OVS does (`resubmit(,N)`, `mod_vlan_vid:V`, `load:...->NXM_NX_REG6[]`). A
 * flow_mod with no instructions is a drop (`actions=drop`).
 *
 * The ovs-ofctl path (`ofctlAddFlow` / `ofctlDeleteFlows`) is ovs_lib's:
 * `hard_timeout=0,idle_timeout=0,priority=P,k=v...,cookie=C,actions=A` for an
 * add (priority 1 by default) sent as `ovs-ofctl -O OpenFlow10 add-flows`,
 * deletes with `cookie=C/-1`. `deferred(fn)` batches them as
 * DeferredOVSBridge: applied when `fn` returns, adds then mods then deletes
 * unless `fullOrdered`.
 */
import type { FlowView } from "../vswitchd/switch.js";
import type { Switch } from "../vswitchd/switch.js";
import { OvsBridge } from "./ovs-lib.js";

/** 2^64 - 1: OpenFlow's "all cookie bits" mask, and the value a cookie may not take. */
const UINT64_MASK = (1n << 64n) - 1n;

/** `random.randrange(2^64 - 1)` from a source of doubles in [0, 1): two 32-bit draws (all ones, which OpenFlow forbids, is taken one lower). */
export function randomCookie(random: () => number): bigint {
  const hi = BigInt(Math.floor(random() * 0x100000000) >>> 0);
  const lo = BigInt(Math.floor(random() * 0x100000000) >>> 0);
  const c = (hi << 32n) | lo;
  return c === UINT64_MASK ? c - 1n : c;
}

export function cookieText(c: bigint): string {
  return `0x${c.toString(16)}`;
}

/** Which flows an uninstall selects by cookie: this bridge's (the default), any, or one given cookie (exact). */
export type CookieSelector = "default" | "any" | bigint;

export interface InstallSpec {
  readonly table?: number;
  readonly priority?: number;
  /** The match in ovs-ofctl syntax (`in_port=2,dl_src=...`); "" matches everything. */
  readonly match?: string;
}

export interface UninstallSpec {
  /** One table; all tables (OFPTT_ALL) when left out. */
  readonly table?: number;
  readonly strict?: boolean;
  /** Matters for a strict delete only (OpenFlow ignores it otherwise), default 0. */
  readonly priority?: number;
  readonly match?: string;
  readonly cookie?: CookieSelector;
}

/** One ovs_lib flow as its keyword arguments (`table`, `priority`, match fields, `actions`...), in their order. */
export type OfctlFlow = Readonly<Record<string, string | number>>;

interface Deferred {
  readonly fullOrdered: boolean;
  readonly mods: { action: "add" | "mod" | "del"; flow: OfctlFlow }[];
}

export class OpenFlowSwitch extends OvsBridge {
  /** The tables cleanup_flows scans (the bridge class's of_tables). */
  readonly ofTables: readonly number[];
  private defaultCookieValue: bigint;
  private readonly reserved = new Set<bigint>();
  private deferredBatch: Deferred | null = null;

  constructor(sw: Switch, brName: string, random: () => number, ofTables: readonly number[], datapathType?: string) {
    super(sw, brName, datapathType);
    this.ofTables = ofTables;
    this.defaultCookieValue = randomCookie(random);
  }

  /** The bridge's cookie (ovs_lib's default_cookie). */
  get defaultCookie(): bigint {
    return this.defaultCookieValue;
  }

  /** The cookies cleanup_flows keeps: the default one and any requested. */
  get reservedCookies(): ReadonlySet<bigint> {
    this.reserved.add(this.defaultCookieValue);
    return new Set(this.reserved);
  }

  /** request_cookie: another cookie reserved on this bridge (extensions use them). */
  requestCookie(random: () => number): bigint {
    this.reserved.add(this.defaultCookieValue);
    let c = randomCookie(random);
    for (let i = 0; this.reserved.has(c); i++) c = i < 8 ? randomCookie(random) : (c + 1n) % UINT64_MASK;
    this.reserved.add(c);
    return c;
  }

  /** set_agent_uuid_stamp: a given cookie becomes the default one. */
  setAgentUuidStamp(cookie: bigint): void {
    this.reserved.add(cookie);
    this.reserved.delete(this.defaultCookieValue);
    this.defaultCookieValue = cookie;
  }

  // ---- native (os-ken) flow_mods, OpenFlow 1.3

  /** install_instructions: one flow with the bridge's cookie; `instructions` in ovs-ofctl OF1.3 text ("" = drop). */
  installInstructions(instructions: string, spec: InstallSpec = {}): void {
    const parts = [`cookie=${cookieText(this.defaultCookieValue)}`, `table=${spec.table ?? 0}`, `priority=${spec.priority ?? 0}`];
    if (spec.match !== undefined && spec.match !== "") parts.push(spec.match);
    parts.push(`actions=${instructions === "" ? "drop" : instructions}`);
    this.sw.addFlow(this.brName, parts.join(","), { version: 13 });
  }

  /** install_goto: goto_table `dest`. */
  installGoto(dest: number, spec: InstallSpec = {}): void {
    this.installInstructions(`goto_table:${dest}`, spec);
  }

  /** install_drop: a flow with no instructions. */
  installDrop(spec: InstallSpec = {}): void {
    this.installInstructions("", spec);
  }

  /** install_normal: output NORMAL. */
  installNormal(spec: InstallSpec = {}): void {
    this.installInstructions("NORMAL", spec);
  }

  /** install_output: output to `port`. */
  installOutput(port: number | string, spec: InstallSpec = {}): void {
    this.installInstructions(`output:${port}`, spec);
  }

  /** install_apply_actions: one apply-actions instruction. */
  installApplyActions(actions: readonly string[], spec: InstallSpec = {}): void {
    this.installInstructions(actions.join(","), spec);
  }

  /** uninstall_flows: a (strict) delete, masked to the bridge's cookie unless told otherwise. */
  uninstallFlows(spec: UninstallSpec = {}): void {
    const parts: string[] = [];
    const cookie = spec.cookie ?? "default";
    if (cookie === "default") parts.push(`cookie=${cookieText(this.defaultCookieValue)}/-1`);
    else if (cookie !== "any") parts.push(`cookie=${cookieText(cookie)}/-1`);
    if (spec.table !== undefined) parts.push(`table=${spec.table}`);
    if (spec.strict === true) parts.push(`priority=${spec.priority ?? 0}`);
    if (spec.match !== undefined && spec.match !== "") parts.push(spec.match);
    this.sw.deleteFlows(this.brName, parts.join(","), { version: 13, strict: spec.strict === true });
  }

  /** OVSAgentBridge.drop_port: table 0, priority 2, `in_port` dropped. */
  dropPort(inPort: number): void {
    this.installDrop({ priority: 2, match: `in_port=${inPort}` });
  }

  /** dump_flows: the flows of one table (or all), whatever their cookie. */
  dumpFlows(table?: number): FlowView[] {
    return this.sw.dumpFlows(this.brName, table === undefined ? "" : `table=${table}`, { version: 13 });
  }

  /** cleanup_flows: in each of `of_tables`, the flows whose cookie is not reserved are deleted (by cookie, in every table). */
  cleanupFlows(): void {
    const keep = this.reservedCookies;
    for (const table of this.ofTables) {
      const stale = new Set(this.dumpFlows(table).map((f) => f.cookie));
      for (const c of stale) if (!keep.has(c)) this.uninstallFlows({ cookie: c });
    }
  }

  // ---- ovs_lib's ovs-ofctl flow text

  /** ovs_lib add_flow (deferred when inside `deferred`). */
  ofctlAddFlow(flow: OfctlFlow): void {
    if (this.deferredBatch !== null) this.deferredBatch.mods.push({ action: "add", flow });
    else this.applyOfctl("add", flow);
  }

  /** ovs_lib delete_flows (deferred when inside `deferred`). */
  ofctlDeleteFlows(flow: OfctlFlow): void {
    if (this.deferredBatch !== null) this.deferredBatch.mods.push({ action: "del", flow });
    else this.applyOfctl("del", flow);
  }

  /** `with br.deferred(full_ordered=...) as br:`: the text flow_mods `fn` makes are applied when it returns (not when it throws). */
  deferred(fn: () => void, options: { readonly fullOrdered?: boolean } = {}): void {
    if (this.deferredBatch !== null) {
      fn();
      return;
    }
    const batch: Deferred = { fullOrdered: options.fullOrdered === true, mods: [] };
    this.deferredBatch = batch;
    try {
      fn();
    } finally {
      this.deferredBatch = null;
    }
    const order = { add: 0, mod: 1, del: 2 };
    const mods = batch.fullOrdered ? batch.mods : [...batch.mods].sort((a, b) => order[a.action] - order[b.action]);
    for (const m of mods) this.applyOfctl(m.action, m.flow);
  }

  /** _build_flow_expr_str, and the flow_mod ovs-ofctl sends for it. */
  private applyOfctl(action: "add" | "mod" | "del", flow0: OfctlFlow): void {
    const flow: Record<string, string | number> = { ...flow0 };
    if (!("cookie" in flow)) flow["cookie"] = action === "del" ? `${cookieText(this.defaultCookieValue)}/-1` : cookieText(this.defaultCookieValue);
    const parts: string[] = [];
    if (action === "add") {
      parts.push(`hard_timeout=${take(flow, "hard_timeout") ?? 0}`, `idle_timeout=${take(flow, "idle_timeout") ?? 0}`, `priority=${take(flow, "priority") ?? 1}`);
    }
    const actions = action === "del" ? undefined : take(flow, "actions");
    for (const [k, v] of Object.entries(flow)) parts.push(k === "proto" ? String(v) : `${k}=${v}`);
    if (actions !== undefined) parts.push(`actions=${actions}`);
    if (action === "add") this.sw.addFlow(this.brName, parts.join(","));
    else if (action === "mod") this.sw.modifyFlows(this.brName, parts.join(","));
    else this.sw.deleteFlows(this.brName, parts.join(","));
  }
}

function take(o: Record<string, string | number>, k: string): string | number | undefined {
  const v = Object.hasOwn(o, k) ? o[k] : undefined;
  Reflect.deleteProperty(o, k);
  return v;
}
