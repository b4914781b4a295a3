/**
 * Parses one match field's value text (`10.0.0.0/8`, `0x5/0xf`, `+trk-new`,
 * `LOCAL`, `*`) into value and mask, as OVS's `mf_parse` does, with its error
 * texts. Masks on fields that cannot be masked are refused.
 */
import type { FieldSpec } from "./fields.js";
import type { Parsed } from "./field-values.js";
import {
  allOnes,
  parseEthernetMasked,
  parseFlags,
  parseIntegerMasked,
  parseIpv4Masked,
  parseIpv6Masked,
} from "./field-values.js";
import { CT_STATE_NAMES, TCP_FLAG_NAMES, TUN_FLAG_NAMES } from "./flag-names.js";
import type { PortNameMap } from "./ports.js";
import { parsePort } from "./ports.js";

/** `ip_frag` keywords: [name, mask, value] (FLOW_NW_FRAG_ANY = 1, _LATER = 2). */
const FRAG_KEYWORDS: ReadonlyArray<readonly [string, number, number]> = [
  ["no", 3, 0],
  ["first", 3, 1],
  ["later", 3, 3],
  ["no", 1, 0],
  ["yes", 1, 1],
  ["not_later", 2, 0],
  ["later", 2, 2],
];

function parseRaw(f: FieldSpec, s: string, names?: PortNameMap): Parsed {
  switch (f.format) {
    case "decimal":
    case "hexadecimal":
      return parseIntegerMasked(s, f.nBytes, f.name);
    case "ethernet":
      return parseEthernetMasked(s);
    case "ipv4":
      return parseIpv4Masked(s);
    case "ipv6":
      return parseIpv6Masked(s);
    case "ofp_port": {
      const port = parsePort(s, names);
      if (port === undefined) {
        // A 32-bit port field (OVS's MFS_OFP_PORT_OXM) words it differently.
        return { ok: false, error: `${s}: ${f.nBytes === 4 ? "port value out of range" : "invalid or unknown port"} for ${f.name}` };
      }
      return { ok: true, value: BigInt(port), mask: allOnes(f.nBytes * 8) };
    }
    case "frag": {
      const hit = FRAG_KEYWORDS.find(([name]) => name === s.toLowerCase());
      if (!hit) {
        return {
          ok: false,
          error: `${s}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`,
        };
      }
      // OVS forces the upper mask bits on so that an exact keyword counts as exact.
      return { ok: true, value: BigInt(hit[2]), mask: BigInt(hit[1] | 0xfc) };
    }
    case "tun_flags":
      return narrow(parseFlags(s, TUN_FLAG_NAMES, 0x1, "tunnel"), 16);
    case "tcp_flags":
      return narrow(parseFlags(s, TCP_FLAG_NAMES, 0x0fff, "TCP"), 16);
    case "ct_state":
      return parseFlags(s, CT_STATE_NAMES, 0xff, "ct_state");
  }
}

/** Flag parsers answer with a 32-bit mask; 16-bit fields keep their low half. */
function narrow(p: Parsed, bits: number): Parsed {
  return p.ok ? { ok: true, value: p.value & allOnes(bits), mask: p.mask & allOnes(bits) } : p;
}

/** OVS's `mf_parse`: `*` wildcards the field; checks the mask is allowed. */
export function parseFieldValue(f: FieldSpec, s: string, names?: PortNameMap): Parsed {
  if (s === "*") return { ok: true, value: 0n, mask: 0n };
  const p = parseRaw(f, s, names);
  if (!p.ok) return p;
  const full = allOnes(f.nBytes * 8);
  if (!f.maskable && p.mask !== 0n && p.mask !== full) {
    return { ok: false, error: `${s}: invalid mask for field ${f.name}` };
  }
  return p;
}
