/**
 * Meters as text, as OVS's lib/ofp-meter.c parses them
 * (parse_ofp_meter_mod_str: `meter=1 kbps burst stats bands=type=drop
 * rate=1000 burst_size=100`) and prints them (ofputil_format_meter_config):
 * a meter prints on several lines, `meter=1 kbps bands=` then one
 * `type=drop rate=1000` line a band.
 */
import { FlowParseError } from "../flowtable/errors.js";
import type { MeterBand, MeterFlags, MeterMod, MeterModCommand } from "./meter-table.js";
import { OFPM13_ALL, OFPM13_CONTROLLER, OFPM13_MAX, OFPM13_SLOWPATH } from "./meter-table.js";

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
    else if (value === "controller") meterId = OFPM13_CONTROLLER;
    else if (value === "slowpath") meterId = OFPM13_SLOWPATH;
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

export function meterIdText(id: number, sep: string): string {
  if (id <= OFPM13_MAX) return `meter${sep}${id}`;
  const name = id === OFPM13_SLOWPATH ? "slowpath" : id === OFPM13_CONTROLLER ? "controller" : id === OFPM13_ALL ? "all" : "unknown";
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

