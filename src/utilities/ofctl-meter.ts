/**
 * ovs-ofctl's meter commands (OpenFlow 1.3+): add-meter, mod-meter,
 * del-meters (and del-meter), dump-meters, meter-stats, meter-features.
 * Text as OVS's lib/ofp-meter.c parses (parse_ofp_meter_mod_str) and prints
 * it (ofputil_format_meter_config / _stats / _features): a meter prints on
 * several lines, `meter=1 kbps bands=` then one `type=drop rate=1000` line a
 * band, meters separated by blank lines. Meter mods and meter requests are
 * xid 2.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { Meter, MeterBand, MeterFlags, MeterMod, MeterModCommand } from "../datapath/meter-table.js";
import { MAX_BANDS, MAX_METERS, MeterModError, OFPM13_ALL, OFPM13_MAX } from "../datapath/meter-table.js";
import { FlowParseError } from "../flowtable/errors.js";
import { Match } from "../flowtable/match.js";
import { TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import { defaultFlowMod } from "../flowtable/flow-tables.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { header } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl.js";
import { OfctlReplyError } from "./ofctl.js";
import type { Switch } from "../vswitchd/switch.js";

function fail(message: string, text: string): never {
  throw new FlowParseError(message, text);
}

function u32(value: string, text: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n > 0xffffffff) fail(`invalid numeric format ${value}`, text);
  return n;
}

/** strtok_r over "=, \t\r\n" for names and ", \t\r\n" for values, as parse_ofp_meter_mod_str. */
function tokens(s: string): { next(seps: string): string | null } {
  let i = 0;
  return {
    next(seps: string): string | null {
      while (i < s.length && seps.includes(s[i]!)) i++;
      if (i >= s.length) return null;
      const start = i;
      while (i < s.length && !seps.includes(s[i]!)) i++;
      const tok = s.slice(start, i);
      if (i < s.length) i++;
      return tok;
    },
  };
}

const NAME_SEPS = "=, \t\r\n";
const VALUE_SEPS = ", \t\r\n";

/** parse_ofp_meter_mod_str. Throws FlowParseError with ovs-ofctl's message. */
export function parseMeterMod(text: string, command: MeterModCommand): MeterMod {
  const flags = { kbps: false, pktps: false, burst: false, stats: false };
  let meterId = 0;
  const bands: { type: MeterBand["type"] | null; rate: number; burstSize: number; precLevel: number }[] = [];
  if (command === "delete" && text.trim() === "") return { command, meterId: OFPM13_ALL, flags, bands: [] };
  const withBands = command !== "delete";
  let head = text;
  let bandStr = "";
  if (withBands) {
    const at = text.indexOf("band");
    if (at < 0) fail("must specify bands", text);
    const eq = text.indexOf("=", at + 1);
    if (eq < 0) fail("must specify bands", text);
    head = text.slice(0, at);
    bandStr = text.slice(eq + 1);
  }
  const t = tokens(head);
  for (let name = t.next(NAME_SEPS); name !== null; name = t.next(NAME_SEPS)) {
    if (withBands && (name === "kbps" || name === "pktps" || name === "burst" || name === "stats")) {
      flags[name] = true;
      continue;
    }
    const value = t.next(VALUE_SEPS);
    if (value === null) fail(`field ${name} missing value`, text);
    if (name !== "meter") fail(`unknown keyword ${name}`, text);
    if (value === "all") meterId = OFPM13_ALL;
    else if (value === "controller") meterId = 0xfffffffd;
    else if (value === "slowpath") meterId = 0xfffffffe;
    else {
      meterId = u32(value, text);
      if (meterId > OFPM13_MAX || meterId === 0) fail(`invalid value for ${name}`, text);
    }
  }
  if (meterId === 0) fail("must specify 'meter'", text);
  if (withBands && !flags.kbps && !flags.pktps && !flags.burst && !flags.stats) fail("meter must specify either 'kbps' or 'pktps'", text);
  if (withBands) {
    const b = tokens(bandStr);
    for (let name = b.next(NAME_SEPS); name !== null; name = b.next(NAME_SEPS)) {
      const value = b.next(VALUE_SEPS);
      if (value === null) fail(`field ${name} missing value`, text);
      const band = bands[bands.length - 1];
      if (name === "type") {
        if (value !== "drop" && value !== "dscp_remark") fail(`field ${name} unknown value ${value}`, text);
        bands.push({ type: value, rate: 0, burstSize: 0, precLevel: 0 });
      } else if (band === undefined || band.type === null) fail("band must start with the 'type' keyword", text);
      else if (name === "rate") band.rate = u32(value, text);
      else if (name === "burst_size") band.burstSize = u32(value, text);
      else if (name === "prec_level") {
        const n = u32(value, text);
        if (n > 255) fail(`invalid ${name} "${value}"`, text);
        band.precLevel = n;
      } else fail(`unknown keyword ${name}`, text);
    }
    if (bands.length === 0) fail("meter must have bands", text);
    for (const band of bands) {
      if (band.type === "dscp_remark" && band.precLevel === 0) fail("'dscp_remark' band must have 'prec_level'", text);
      if (band.type === "drop" && band.precLevel !== 0) fail("Only 'dscp_remark' band may have 'prec_level'", text);
      if (band.rate === 0) fail("band must have 'rate'", text);
      if (flags.burst && band.burstSize === 0) fail("band must have 'burst_size' when 'burst' flag is set", text);
      if (!flags.burst && band.burstSize !== 0) fail("band may have 'burst_size' only when 'burst' flag is set", text);
    }
  }
  return { command, meterId, flags, bands: bands.map((x) => ({ type: x.type ?? "drop", rate: x.rate, burstSize: x.burstSize, precLevel: x.precLevel })) };
}

function meterIdText(id: number, sep: string): string {
  if (id <= OFPM13_MAX) return `meter${sep}${id}`;
  const name = id === 0xfffffffe ? "slowpath" : id === 0xfffffffd ? "controller" : id === OFPM13_ALL ? "all" : "unknown";
  return `meter${sep}${name}`;
}

function flagsText(f: MeterFlags): string {
  return `${f.kbps ? "kbps " : ""}${f.pktps ? "pktps " : ""}${f.burst ? "burst " : ""}${f.stats ? "stats " : ""}`;
}

/** ofputil_format_meter_config, as lines (the trailing newline dropped). */
export function formatMeterConfig(m: { meterId: number; flags: MeterFlags; bands: readonly MeterBand[] }): string[] {
  const lines = [`${meterIdText(m.meterId, "=")} ${flagsText(m.flags)}bands=`];
  for (const b of m.bands) {
    let s = `type=${b.type} rate=${b.rate}`;
    if (m.flags.burst) s += ` burst_size=${b.burstSize}`;
    if (b.type === "dscp_remark") s += ` prec_level=${b.precLevel}`;
    lines.push(s);
  }
  return lines;
}

const COMMAND_TEXT: Readonly<Record<MeterModCommand, string>> = { add: "ADD", modify: "MOD", delete: "DEL" };

function flowsUsingMeter(br: Bridge, id: number): number {
  return br.tables
    .select({ tableId: TABLE_ALL, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: 0xffff, outGroup: 0xffffffff })
    .filter((f) => f.actions.some((a) => a.type === "meter" && a.meterId === id)).length;
}

function deleteMeterFlows(sw: Switch, br: Bridge, id: number): void {
  for (const f of br.tables.select({ tableId: TABLE_ALL, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: 0xffff, outGroup: 0xffffffff })) {
    if (!f.actions.some((a) => a.type === "meter" && a.meterId === id)) continue;
    br.tables.apply(
      defaultFlowMod({ command: "delete_strict", match: f.match, priority: f.priority, tableId: f.tableId, actions: [] }),
      sw.now,
    );
  }
}

function requireOf13(o: OfctlOptions, text: string): void {
  if (o.version >= 13) return;
  const allowed = o.version === 10 ? "OpenFlow10,NXM" : o.version === 11 ? "OpenFlow11" : "OXM-OpenFlow12";
  fail(`none of the usable flow formats (OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15) is among the allowed flow formats (${allowed})`, text);
}

/** add-meter / mod-meter / del-meters. */
export function meterMod(sw: Switch, br: Bridge, text: string, command: MeterModCommand, o: OfctlOptions): CommandResult {
  const mm = parseMeterMod(text, command);
  requireOf13(o, text);
  try {
    for (const id of br.meterTable.apply(mm, sw.now)) deleteMeterFlows(sw, br, id);
  } catch (e) {
    if (e instanceof MeterModError) {
      const [first = "", ...rest] = command === "delete" ? [meterIdText(mm.meterId, "=")] : formatMeterConfig(mm);
      throw new OfctlReplyError([
        `${header("OFPT_ERROR", o.version, 2)} ${e.ofperr}`,
        `${header("OFPT_METER_MOD", o.version, 2)} ${COMMAND_TEXT[command]} ${first}`,
        ...rest,
      ]);
    }
    throw e;
  }
  return output([]);
}

function selectMeters(br: Bridge, arg: string | undefined): Meter[] {
  const all = br.meterTable.meters();
  if (arg === undefined || arg.trim() === "") return all;
  const m = /^meter=(\w+)$/.exec(arg.trim());
  if (m === null || m[1] === "all") return all;
  return all.filter((x) => x.meterId === Number(m[1]));
}

function blocks(list: string[][]): string[] {
  return list.flatMap((b, i) => (i === 0 ? b : ["", ...b]));
}

/** dump-meters [meter=N]. */
export function dumpMeters(br: Bridge, arg: string | undefined, o: OfctlOptions): CommandResult {
  return output([header("OFPST_METER_CONFIG reply", o.version, 2), ...blocks(selectMeters(br, arg).map((m) => formatMeterConfig(m)))]);
}

/** meter-stats [meter=N]. */
export function meterStats(sw: Switch, br: Bridge, arg: string | undefined, o: OfctlOptions): CommandResult {
  const list = selectMeters(br, arg).map((m) => {
    const d = (Math.max(sw.now - m.created, 0) / 1000).toFixed(3);
    const head = `${meterIdText(m.meterId, ":")} flow_count:${flowsUsingMeter(br, m.meterId)} packet_in_count:${m.packets} byte_in_count:${m.bytes} duration:${d}s bands:`;
    return [head, ...m.bandStats().map((b, i) => `${i}: packet_count:${b.packets} byte_count:${b.bytes}`)];
  });
  return output([header("OFPST_METER reply", o.version, 2), ...blocks(list)]);
}

/** meter-features: what the userspace datapath offers. */
export function meterFeatures(o: OfctlOptions): CommandResult {
  return output([
    header("OFPST_METER_FEATURES reply", o.version, 2),
    `max_meter:${MAX_METERS} max_bands:${MAX_BANDS} max_color:0`,
    "band_types: drop",
    "capabilities: kbps pktps burst stats",
  ]);
}
