/**
 * `ovs-ofctl add-tlv-map`, `del-tlv-map` and `dump-tlv-map`: the mapping
 * text `{class=C,type=T,len=L}->tun_metadataN[,...]` (OVS's
 * parse_ofp_tlv_table_mod_str: each number read by ovs_scan's `%i` into 16,
 * 8, 8 and 16 bits, so out-of-range numbers wrap), the NXT_TLV_TABLE_MOD sent
 * (del-tlv-map without mappings is a CLEAR), and the NXT_TLV_TABLE_REPLY and
 * error texts as ofp-print writes them. The switch's side is
 * src/vswitchd/tlv-table-mod.ts.
 */
import type { Bridge } from "../datapath/bridge.js";
import { ovsScanInt } from "../flowtable/c-strto.js";
import { programWarn } from "../flowtable/program-log.js";
import type { TlvMapping, TlvTableCommand } from "../flowtable/tun-metadata-table.js";
import { TLV_MAX_OPT_SIZE, TUN_METADATA_NUM_OPTS, TUN_METADATA_TOT_OPT_SIZE } from "../flowtable/tun-metadata-table.js";
import { tlvTableMod } from "../vswitchd/tlv-table-mod.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";

/** A `%i` number as ovs_scan reads it (after white space): its text and where it ends. */
const SCAN_INT = /^[ \t\n\r\f\v]*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))/;

/** Reads `{class=%hi,type=%hhi,len=%hhi}->tun_metadata%hi` at `s[at]`; the mapping and the index after it. */
function scanMapping(s: string, at: number): { map: TlvMapping; end: number } | undefined {
  let i = at;
  const literal = (text: string): boolean => {
    if (!s.startsWith(text, i)) return false;
    i += text.length;
    return true;
  };
  const int = (bits: number): number | undefined => {
    const m = SCAN_INT.exec(s.slice(i));
    if (m === null) return undefined;
    i += m[0].length;
    return Number(ovsScanInt(m[1] as string, bits));
  };
  if (!literal("{class=")) return undefined;
  const optionClass = int(16);
  if (optionClass === undefined || !literal(",type=")) return undefined;
  const optionType = int(8);
  if (optionType === undefined || !literal(",len=")) return undefined;
  const optionLen = int(8);
  if (optionLen === undefined || !literal("}->tun_metadata")) return undefined;
  const index = int(16);
  if (index === undefined) return undefined;
  return { map: { optionClass, optionType, optionLen, index }, end: i };
}

/** parse_ofp_tlv_table_mod_str's mappings, or undefined ("invalid tlv mapping"). */
export function parseTlvMappings(s: string): TlvMapping[] | undefined {
  const out: TlvMapping[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ",") i++;
    const r = scanMapping(s, i);
    if (r === undefined) return undefined;
    out.push(r.map);
    i = r.end;
  }
  return out;
}

const hex0 = (n: number, width: number): string => (n === 0 ? "0" : `0x${n.toString(16)}`).padStart(width);

/** ofp-print's print_tlv_table. */
function tlvTableLines(mappings: readonly TlvMapping[]): string[] {
  const lines = [" mapping table:", "  class  type  length  match field", " ------  ----  ------  --------------"];
  for (const m of mappings) {
    lines.push(` ${hex0(m.optionClass, 6)}  ${hex0(m.optionType, 4)}  ${String(m.optionLen).padStart(6)}  tun_metadata${m.index}`);
  }
  return lines;
}

/** The bytes of the NXT_TLV_TABLE_MOD ovs-ofctl sends (for a decode-error dump). */
function tlvTableModBytes(v: OfVersion, xid: number, command: TlvTableCommand, mappings: readonly TlvMapping[]): number[] {
  const be = (n: number, len: number): number[] => Array.from({ length: len }, (_, i) => Math.floor(n / 2 ** (8 * (len - 1 - i))) & 0xff);
  const cmd = command === "add" ? 0 : command === "delete" ? 1 : 2;
  const body = mappings.flatMap((m) => [...be(m.optionClass, 2), m.optionType, m.optionLen, ...be(m.index, 2), 0, 0]);
  const length = 24 + body.length;
  // ofp_header (Nicira vendor message: OFPT_VENDOR / OFPT_EXPERIMENTER), NXT_TLV_TABLE_MOD = 24.
  return [v - 9, 4, ...be(length, 2), ...be(xid, 4), ...be(0x2320, 4), ...be(24, 4), ...be(cmd, 2), 0, 0, 0, 0, 0, 0, ...body];
}

/** ovs_hex_dump with offsets and the ASCII column. */
function hexDump(bytes: readonly number[]): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      const b = bytes[at + i];
      hex += b === undefined ? "   " : `${b.toString(16).padStart(2, "0")}${i === 7 ? "-" : " "}`;
      ascii += b === undefined ? " " : b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
    }
    out.push(`${at.toString(16).padStart(8, "0")}  ${hex}|${ascii}|`);
  }
  return out;
}

/**
 * ovs-ofctl's decode of its own request echoed in an error: the mappings as
 * the switch's decoder sees them, with the log line that decoder writes.
 */
function decodedRequestLines(v: OfVersion, xid: number, command: TlvTableCommand, mappings: readonly TlvMapping[]): string[] {
  for (const m of mappings) {
    let error: string | undefined;
    if (m.optionLen % 4 !== 0 || m.optionLen > TLV_MAX_OPT_SIZE) {
      programWarn("ofp_match", `tlv table option length (${m.optionLen}) is not a valid option size`);
      error = "NXTTMFC_BAD_OPT_LEN";
    } else if (m.index >= TUN_METADATA_NUM_OPTS) {
      programWarn("ofp_match", `tlv table field index (${m.index}) is too large (max ${TUN_METADATA_NUM_OPTS - 1})`);
      error = "NXTTMFC_BAD_FIELD_IDX";
    }
    if (error !== undefined) {
      return [`${header("NXT_TLV_TABLE_MOD", v, xid)} ***decode error: ${error}***`, ...hexDump(tlvTableModBytes(v, xid, command, mappings).slice(0, 64))];
    }
  }
  const name = command === "add" ? "ADD" : command === "delete" ? "DEL" : "CLEAR";
  if (command === "clear") return [header("NXT_TLV_TABLE_MOD", v, xid), ` ${name}`];
  const [first, ...rest] = tlvTableLines(mappings);
  return [header("NXT_TLV_TABLE_MOD", v, xid), ` ${name}${first ?? ""}`, ...rest];
}

/** The xid of the table mod: over OpenFlow 1.0 ovs-ofctl's flow_mod connection negotiates the flow format first. */
const tlvModXid = (v: OfVersion): number => (v === 10 ? 4 : 2);
/** The xid of the table request (dump_trivial_transaction). */
const TLV_REQUEST_XID = 2;

/** `add-tlv-map BRIDGE MAP` and `del-tlv-map BRIDGE [MAP]`. */
export function tlvMapCommand(br: Bridge, v: OfVersion, add: boolean, arg: string | undefined): CommandResult {
  const mappings = parseTlvMappings(arg ?? "");
  if (mappings === undefined) return failure("ovs-ofctl: invalid tlv mapping");
  const command: TlvTableCommand = add ? "add" : arg === undefined ? "clear" : "delete";
  const error = tlvTableMod(br, command, mappings);
  if (error === null) return output([]);
  const xid = tlvModXid(v);
  return { stdout: [], stderr: [`${header("OFPT_ERROR", v, xid)} ${error}`, ...decodedRequestLines(v, xid, command, mappings)], ok: false };
}

/** `dump-tlv-map BRIDGE`: the NXT_TLV_TABLE_REPLY. */
export function dumpTlvMap(br: Bridge, v: OfVersion): CommandResult {
  const mappings = br.tunMetadata.mappings();
  const allocated = mappings.reduce((n, m) => n + m.optionLen, 0);
  return output([
    header("NXT_TLV_TABLE_REPLY", v, TLV_REQUEST_XID),
    ` max option space=${TUN_METADATA_TOT_OPT_SIZE} max fields=${TUN_METADATA_NUM_OPTS}`,
    ` allocated option space=${allocated}`,
    "",
    ...tlvTableLines(mappings),
  ]);
}
