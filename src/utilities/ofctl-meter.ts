/**
 * ovs-ofctl's meter commands (OpenFlow 1.3+): add-meter, mod-meter,
 * del-meters (and del-meter), dump-meters, meter-stats, meter-features.
 * Meter text is src/datapath/meter-text.ts (OVS's lib/ofp-meter.c); the
 * switch applies meter mods in src/vswitchd/group-meter-mods.ts. Meter mods
 * and meter requests are xid 2.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { Meter, MeterModCommand } from "../datapath/meter-table.js";
import { MAX_BANDS, MAX_METERS, MeterModError } from "../datapath/meter-table.js";
import { formatMeterConfig, meterIdText, parseMeterMod } from "../datapath/meter-text.js";
import { FlowParseError } from "../flowtable/errors.js";
import { Match } from "../flowtable/match.js";
import { TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import { applyMeterMod } from "../vswitchd/group-meter-mods.js";
import type { Switch } from "../vswitchd/switch.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { header } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl.js";
import { OfctlReplyError } from "./ofctl.js";

function fail(message: string, text: string): never {
  throw new FlowParseError(message, text);
}

const COMMAND_TEXT: Readonly<Record<MeterModCommand, string>> = { add: "ADD", modify: "MOD", delete: "DEL" };

function flowsUsingMeter(br: Bridge, id: number): number {
  return br.tables
    .select({ tableId: TABLE_ALL, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: 0xffff, outGroup: 0xffffffff })
    .filter((f) => f.actions.some((a) => a.type === "meter" && a.meterId === id)).length;
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
    applyMeterMod(br, mm, sw.now);
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
