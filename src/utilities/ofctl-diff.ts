/**
 * `ovs-ofctl replace-flows BRIDGE FILE` and `diff-flows SOURCE1 SOURCE2`
 * (each source a bridge or a file of flows), as ovs-ofctl does them: flows
 * are keyed by table, match and priority; two versions of a flow are equal
 * when cookie, timeouts, importance and actions are. replace-flows deletes
 * (strictly) the switch's flows the file lacks and adds the file's flows the
 * switch lacks or has otherwise. diff-flows prints `-` lines for the first
 * source's version and `+` lines for the second's, and exits 2 when they
 * differ.
 *
 * ovs-ofctl keys its flow set by match and priority only (its classifier has
 * no table dimension), so two flows differing only in table shadow each
 * other there; ovsim keys by table too. diff-flows prints in the order of
 * ovs-ofctl's classifier, which is hash order; ovsim prints in dump order.
 */
import { formatActions } from "../actions/action-text.js";
import { actionsAsDumped } from "../actions/flow-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError } from "../flowtable/errors.js";
import type { ActionList } from "../actions/action-types.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { defaultFlowMod } from "../flowtable/flow-tables.js";
import { BUNDLE_RESOURCES, bundleReplaceFlows } from "./ofctl-bundle.js";
import { formatMatch } from "../flowtable/match-format.js";
import type { Match } from "../flowtable/match.js";
import type { PortNameMap } from "../flowtable/ports.js";
import type { TunMdField } from "../flowtable/tun-metadata-match.js";
import { commonTunMdView, tunMdFieldsOf } from "../flowtable/tun-metadata-match.js";
import { TunMetadataTable } from "../flowtable/tun-metadata-table.js";
import { chooseDumpProtocol, P_ANY, protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfctlOptions } from "./ofctl.js";
import { applyFlowMod, FlowModError } from "../vswitchd/flow-mod-text.js";
import { bridgePortNames, selectFlows } from "../vswitchd/flow-dump.js";
import { flowModErrorText, OfctlReplyError, prepareFlowFile } from "./ofctl.js";
import type { SentFlowMod } from "./ofctl-messages.js";
import type { Switch } from "../vswitchd/switch.js";

interface FlowVersion {
  readonly tableId: number;
  readonly match: Match;
  readonly priority: number;
  readonly cookie: bigint;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly actions: string;
  /** For a file's flow: the flow_mod that adds it. */
  readonly sent: SentFlowMod | null;
  /** The tun_metadata fields as ovs-ofctl holds them (read by the source bridge's TLV map). */
  readonly tunMd: readonly TunMdField[];
}

function keyOf(v: FlowVersion): string {
  return `${v.tableId}/${v.priority}/${Array.from(v.match.key).join(",")}/${Array.from(v.match.mask).join(",")}`;
}

function equalVersions(a: FlowVersion, b: FlowVersion): boolean {
  return (
    a.cookie === b.cookie &&
    a.idleTimeout === b.idleTimeout &&
    a.hardTimeout === b.hardTimeout &&
    a.importance === b.importance &&
    a.actions === b.actions
  );
}

/** ovs-ofctl's fte_version_format (ports named with `names`, `--names`; tun_metadata fields by `tunMd`). */
function formatVersion(v: FlowVersion, names: PortNameMap | undefined, tunMd: (fields: readonly TunMdField[]) => string[]): string {
  let s = v.tableId !== 0 ? `table=${v.tableId} ` : "";
  s += formatMatch(v.match, v.priority, names, () => tunMd(v.tunMd));
  if (v.cookie !== 0n) s += ` cookie=0x${v.cookie.toString(16)}`;
  if (v.idleTimeout !== 0) s += ` idle_timeout=${v.idleTimeout}`;
  if (v.hardTimeout !== 0) s += ` hard_timeout=${v.hardTimeout}`;
  if (v.importance !== 0) s += ` importance=${v.importance}`;
  return `${s} actions=${v.actions}`;
}

function fromSwitch(br: Bridge, o: OfctlOptions, names?: PortNameMap): Map<string, FlowVersion> {
  const { flows, protocol } = selectFlows(br, "", o.version, o);
  const out = new Map<string, FlowVersion>();
  for (const f of flows) {
    const v: FlowVersion = {
      tableId: f.tableId,
      match: f.match,
      priority: f.priority,
      cookie: f.cookie,
      idleTimeout: f.idleTimeout,
      hardTimeout: f.hardTimeout,
      importance: o.version >= 14 ? f.importance : 0,
      actions: formatActions(actionsAsDumped(f.actions, protocol, f.match), names),
      sent: null,
      tunMd: tunMdFieldsOf(f.match, br.tunMetadata),
    };
    out.set(keyOf(v), v);
  }
  return out;
}

/**
 * replace-flows reads the switch's flows over a format that can also carry
 * every flow of the file; OpenFlow 1.0 dumps have no table-id variant, so a
 * file naming tables needs -O OpenFlow11 or later.
 */
function checkDumpProtocol(sent: readonly SentFlowMod[], o: OfctlOptions): void {
  const usable = sent.reduce((u, s) => u & s.parsed.usableProtocols, P_ANY);
  const choice = chooseDumpProtocol(usable, protocolsForVersion(`OpenFlow${o.version}`) & o.flowFormats);
  if (!choice.ok) throw new FlowParseError(choice.error, "");
}

function fromFile(sentFlows: readonly SentFlowMod[], names?: PortNameMap, tunTable: TunMetadataTable = TunMetadataTable.EMPTY): Map<string, FlowVersion> {
  const out = new Map<string, FlowVersion>();
  for (const sent of sentFlows) {
    const fm = sent.flowMod;
    const v: FlowVersion = {
      tableId: fm.tableId === 0xff ? 0 : fm.tableId,
      match: fm.match,
      priority: fm.priority,
      cookie: fm.newCookie ?? 0n,
      idleTimeout: fm.idleTimeout,
      hardTimeout: fm.hardTimeout,
      importance: fm.importance,
      actions: formatActions(actionsAsDumped(fm.actions, sent.protocol, fm.match), names),
      sent,
      tunMd: tunMdFieldsOf(fm.match, tunTable),
    };
    out.set(keyOf(v), v);
  }
  return out;
}

function readError(e: unknown, log: string[]): CommandResult | null {
  if (e instanceof FlowParseError) return { stdout: [], stderr: [...log, `ovs-ofctl: ${e.message}`], ok: false };
  if (e instanceof OfctlReplyError) return { stdout: [], stderr: [...log, ...e.lines], ok: false };
  if (e instanceof FlowModError) return { stdout: [], stderr: [...log, ...flowModErrorText(e)], ok: false };
  return null;
}

export function replaceFlows(sw: Switch, br: Bridge, path: string, o: OfctlOptions, log: string[]): CommandResult {
  try {
    // With --bundle the groups and meters of the flows are checked at the commit.
    const sentFlows = prepareFlowFile(br, path, o, log, false, "add", o.bundle ? BUNDLE_RESOURCES : undefined);
    checkDumpProtocol(sentFlows, o);
    const file = fromFile(sentFlows);
    const current = fromSwitch(br, o);
    const deletes: FlowMod<ActionList>[] = [];
    for (const [key, v] of current) {
      if (file.has(key)) continue;
      deletes.push(defaultFlowMod({ command: "delete_strict", match: v.match, priority: v.priority, tableId: v.tableId, newCookie: null, actions: [] }));
    }
    const adds: SentFlowMod[] = [];
    for (const [key, v] of file) {
      const old = current.get(key);
      // --readd sends the flows that did not change too (their counters start again).
      if (!o.readd && old && equalVersions(old, v)) continue;
      if (v.sent) adds.push(v.sent);
    }
    // --bundle: the deletes and adds in one atomic bundle (ofctl-bundle.ts).
    if (o.bundle) return bundleReplaceFlows(sw, br, deletes, adds, o, log);
    for (const d of deletes) br.tables.apply(d, sw.now);
    for (const sent of adds) applyFlowMod(br, sent, sw.now);
    return output([], log);
  } catch (e) {
    const r = readError(e, log);
    if (r) return r;
    throw e;
  }
}

/**
 * diff-flows SOURCE1 SOURCE2. A file's flows name ports only with `--names`
 * and a bridge first (that bridge's names), as OVS 3.1 reads them; `--names`
 * prints port names.
 */
export function diffFlows(sw: Switch, a: string, b: string, o: OfctlOptions): CommandResult {
  const log: string[] = [];
  const brA = sw.bridge(a);
  const brB = sw.bridge(b);
  const anyBridge = brA ?? brB;
  if (!anyBridge) return failure(`ovs-ofctl: ${a} is not a bridge or a socket`);
  const names = o.names ? bridgePortNames(anyBridge) : undefined;
  const fileClient = { ...o, portNames: o.names && brA !== undefined };
  try {
    const load = (src: string, br: Bridge | undefined): Map<string, FlowVersion> =>
      br ? fromSwitch(br, o, names) : fromFile(prepareFlowFile(brA ?? anyBridge, src, fileClient, log), names, (brA ?? anyBridge).tunMetadata);
    const va = load(a, brA);
    const vb = load(b, brB);
    const keys = [...new Set([...va.keys(), ...vb.keys()])];
    const all = keys.map((k) => ({ k, v: (va.get(k) ?? vb.get(k)) as FlowVersion }));
    all.sort((x, y) => x.v.tableId - y.v.tableId || y.v.priority - x.v.priority);
    const tunMd = commonTunMdView([...va.values(), ...vb.values()].map((v) => v.tunMd));
    const lines: string[] = [];
    for (const { k } of all) {
      const x = va.get(k);
      const y = vb.get(k);
      if (x && y && equalVersions(x, y)) continue;
      if (x) lines.push(`-${formatVersion(x, names, tunMd)}`);
      if (y) lines.push(`+${formatVersion(y, names, tunMd)}`);
    }
    return lines.length === 0 ? output([], log) : { stdout: lines, stderr: log, ok: false, exitCode: 2 };
  } catch (e) {
    const r = readError(e, log);
    if (r) return r;
    throw e;
  }
}
