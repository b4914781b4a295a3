/**
 * The flow formats ("protocols") ovs-ofctl can speak to a switch, as a bitmask
 * (OVS's `enum ofputil_protocol`). Parsing a flow narrows the set to those that
 * can express it; ovs-ofctl then uses the first one the connection allows, or
 * fails with "none of the usable flow formats ... is among the allowed ...".
 */

export const P = {
  OF10_STD: 1 << 0,
  OF10_STD_TID: 1 << 1,
  OF10_NXM: 1 << 2,
  OF10_NXM_TID: 1 << 3,
  OF11_STD: 1 << 4,
  OF12_OXM: 1 << 5,
  OF13_OXM: 1 << 6,
  OF14_OXM: 1 << 7,
  OF15_OXM: 1 << 8,
} as const;

export const P_OF10_STD_ANY = P.OF10_STD | P.OF10_STD_TID;
export const P_OF10_NXM_ANY = P.OF10_NXM | P.OF10_NXM_TID;
export const P_ANY_OXM = P.OF12_OXM | P.OF13_OXM | P.OF14_OXM | P.OF15_OXM;
export const P_OF11_UP = P.OF11_STD | P_ANY_OXM;
export const P_OF12_UP = P_ANY_OXM;
export const P_OF13_UP = P.OF13_OXM | P.OF14_OXM | P.OF15_OXM;
export const P_NXM_OXM_ANY = P_OF10_NXM_ANY | P_ANY_OXM;
export const P_NXM_OF11_UP = P_OF10_NXM_ANY | P_OF11_UP;
/** Formats that can name a table in a flow_mod. */
export const P_TID = P.OF10_STD_TID | P.OF10_NXM_TID | P_OF11_UP;
export const P_ANY = P_OF10_STD_ANY | P_OF10_NXM_ANY | P_OF11_UP;

const ABBREVS: ReadonlyArray<readonly [number, string]> = [
  [P_ANY, "any"],
  [P_OF10_STD_ANY, "OpenFlow10"],
  [P_OF10_NXM_ANY, "NXM"],
  [P_ANY_OXM, "OXM"],
];

const NAMES: ReadonlyArray<readonly [number, string]> = [
  [P.OF10_STD, "OpenFlow10-table_id"],
  [P.OF10_STD_TID, "OpenFlow10+table_id"],
  [P.OF10_NXM, "NXM-table_id"],
  [P.OF10_NXM_TID, "NXM+table_id"],
  [P.OF11_STD, "OpenFlow11"],
  [P.OF12_OXM, "OXM-OpenFlow12"],
  [P.OF13_OXM, "OXM-OpenFlow13"],
  [P.OF14_OXM, "OXM-OpenFlow14"],
  [P.OF15_OXM, "OXM-OpenFlow15"],
];

/** OVS's `ofputil_protocol_to_string` for one flow format (`OXM-OpenFlow12`, `NXM+table_id`). */
export function protocolName(protocol: number): string {
  return NAMES.find(([p]) => p === protocol)?.[1] ?? protocolsToString(protocol);
}

/** OVS's `ofputil_protocols_to_string`. */
export function protocolsToString(protocols: number): string {
  if (protocols === 0) return "none";
  const out: string[] = [];
  let rest = protocols;
  while (rest !== 0) {
    const abbrev = ABBREVS.find(([p]) => (rest & p) === p);
    if (abbrev) {
      out.push(abbrev[1]);
      rest &= ~abbrev[0];
      continue;
    }
    const one = NAMES.find(([p]) => (rest & p) !== 0) as readonly [number, string];
    out.push(one[1]);
    rest &= ~one[0];
  }
  return out.join(",");
}

/** The flow formats an OpenFlow version's connection allows (ovs-ofctl -O). */
export function protocolsForVersion(version: "OpenFlow10" | "OpenFlow11" | "OpenFlow12" | "OpenFlow13" | "OpenFlow14" | "OpenFlow15"): number {
  switch (version) {
    case "OpenFlow10":
      return P_OF10_STD_ANY | P_OF10_NXM_ANY;
    case "OpenFlow11":
      return P.OF11_STD;
    case "OpenFlow12":
      return P.OF12_OXM;
    case "OpenFlow13":
      return P.OF13_OXM;
    case "OpenFlow14":
      return P.OF14_OXM;
    case "OpenFlow15":
      return P.OF15_OXM;
  }
}

/** How a match travels for a given flow format (see `match-transmit.ts`). */
export function matchProtocolOf(protocol: number): "of10" | "nxm" | "oxm" {
  if ((protocol & (P_OF10_STD_ANY | P.OF11_STD)) !== 0) return "of10";
  if ((protocol & P_OF10_NXM_ANY) !== 0) return "nxm";
  return "oxm";
}

/**
 * ovs-ofctl's choice of flow format (`open_vconn_for_flow_mod`): the
 * connection's initial format if it can carry the flow, else the first usable
 * allowed one. Returns OVS's error text when none is allowed.
 */
export function chooseProtocol(usable: number, allowed: number): { ok: true; protocol: number } | { ok: false; error: string } {
  const candidates = usable & allowed;
  if (candidates === 0) {
    return {
      ok: false,
      error: `none of the usable flow formats (${protocolsToString(usable)}) is among the allowed flow formats (${protocolsToString(allowed)})`,
    };
  }
  // The lowest bit is the connection's initial format when usable, else the first to try.
  return { ok: true, protocol: candidates & -candidates };
}

/** The flow formats ovs-ofctl tries for a flow stats request, in its order (OVS's `ofputil_flow_dump_protocols`). */
export const FLOW_DUMP_PROTOCOLS: readonly number[] = [P.OF15_OXM, P.OF14_OXM, P.OF13_OXM, P.OF12_OXM, P.OF11_STD, P.OF10_NXM, P.OF10_STD];

/**
 * ovs-ofctl's choice of flow format for a flow dump (`set_protocol_for_flow_dump`):
 * the first of FLOW_DUMP_PROTOCOLS the request can use and `allowed` allows
 * (NXM before OpenFlow 1.0's own match), with OVS's two error texts.
 */
export function chooseDumpProtocol(usable: number, allowed: number): { ok: true; protocol: number } | { ok: false; error: string } {
  const protocol = FLOW_DUMP_PROTOCOLS.find((p) => (p & usable & allowed) !== 0);
  if (protocol !== undefined) return { ok: true, protocol };
  const text = protocolsToString(usable);
  return {
    ok: false,
    error:
      (usable & allowed) !== 0
        ? `switch does not support any of the usable flow formats (${text})`
        : `none of the usable flow formats (${text}) is among the allowed flow formats (${protocolsToString(allowed)})`,
  };
}
