/** Names of the bits of flag-valued fields, as OVS prints and parses them. */
import type { FlagNames } from "./field-values.js";

export const TCP_FLAG_NAMES: FlagNames = new Map([
  [0x001, "fin"],
  [0x002, "syn"],
  [0x004, "rst"],
  [0x008, "psh"],
  [0x010, "ack"],
  [0x020, "urg"],
  [0x040, "ece"],
  [0x080, "cwr"],
  [0x100, "ns"],
  [0x200, "[200]"],
  [0x400, "[400]"],
  [0x800, "[800]"],
]);

/** Connection tracking states (OVS's CS_STATES). */
export const CT_STATE_NAMES: FlagNames = new Map([
  [0x01, "new"],
  [0x02, "est"],
  [0x04, "rel"],
  [0x08, "rpl"],
  [0x10, "inv"],
  [0x20, "trk"],
  [0x40, "snat"],
  [0x80, "dnat"],
]);

/** Tunnel flags; only `oam` may be matched (FLOW_TNL_PUB_F_MASK). */
export const TUN_FLAG_NAMES: FlagNames = new Map([
  [0x1, "oam"],
  [0x2, "df"],
  [0x4, "csum"],
  [0x8, "key"],
]);
