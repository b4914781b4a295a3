/**
 * A bridge's own Ethernet address and datapath ID (vswitchd/bridge.c
 * `bridge_configure_datapath_id`), chosen again at every reconfiguration:
 *
 * - the local hardware address is `other_config:hwaddr` when it parses as a
 *   MAC that is neither multicast nor zero; otherwise the smallest usable MAC
 *   among the bridge's ports (a port's `mac` column, or the MAC of its
 *   interface first by name; the LOCAL port and mirror output ports do not
 *   count; multicast, locally administered and zero MACs are not usable);
 *   otherwise the bridge's default, derived from its uuid;
 * - the LOCAL port (the bridge's internal interface) takes that address, so
 *   `ovs-ofctl show`, `mac_in_use` and native tunnelling see it;
 * - the datapath ID is `other_config:datapath-id` when it is 16 hex digits
 *   and not zero, otherwise the local address as a 48-bit number.
 */
import type { ConfigDb, Row } from "./config-db.js";
import type { Datum } from "./config-db-types.js";
import { OFPORT_LOCAL } from "./ofport-allocation.js";

/** The 6 bytes of a MAC written as OVS's eth_addr_from_string reads it (six hex bytes, `:` between), or null. */
export function parseEthAddr(s: string): number[] | null {
  const parts = s.split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return parts.map((p) => parseInt(p, 16));
}

function formatEthAddr(b: readonly number[]): string {
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

const isMulticast = (b: readonly number[]): boolean => ((b[0] as number) & 1) !== 0;
const isLocal = (b: readonly number[]): boolean => ((b[0] as number) & 2) !== 0;
const isZero = (b: readonly number[]): boolean => b.every((x) => x === 0);

function str(d: Datum | undefined): string {
  const a = d?.first();
  return a === undefined ? "" : String(a);
}

/** What the choice needs of one open interface: its OpenFlow number and MAC. */
export interface HwAddrIface {
  readonly ofport: number;
  readonly mac: string;
}

/**
 * bridge_pick_local_hw_addr: the MAC bridge row `br` gives its LOCAL port.
 * `open(name)` is the interface of that name the bridge has open, if any;
 * `defaultEa` the bridge's default (random in OVS, from the uuid).
 */
export function pickLocalHwAddr(db: ConfigDb, br: Row, open: (name: string) => HwAddrIface | undefined, defaultEa: string): string {
  const requested = parseEthAddr(String(br.cols.get("other_config")?.get("hwaddr") ?? ""));
  if (requested !== null && !isMulticast(requested) && !isZero(requested)) return formatEthAddr(requested);
  const mirrorOutputs = new Set<string>();
  for (const mu of br.cols.get("mirrors")?.keys ?? []) {
    const out = db.row("Mirror", String(mu))?.cols.get("output_port")?.first();
    if (out !== undefined) mirrorOutputs.add(String(out));
  }
  let best: number[] | null = null;
  for (const pu of br.cols.get("ports")?.keys ?? []) {
    const port = db.row("Port", String(pu));
    if (!port || mirrorOutputs.has(port.uuid)) continue;
    let ea = parseEthAddr(str(port.cols.get("mac")));
    if (ea === null) {
      let first: string | undefined;
      for (const iu of port.cols.get("interfaces")?.keys ?? []) {
        const name = str(db.row("Interface", String(iu))?.cols.get("name"));
        if (first === undefined || name < first) first = name;
      }
      const iface = first === undefined ? undefined : open(first);
      if (!iface || iface.ofport === OFPORT_LOCAL) continue;
      ea = parseEthAddr(iface.mac);
      if (ea === null) continue;
    }
    if (!isMulticast(ea) && !isLocal(ea) && !isZero(ea) && (best === null || compareEa(ea, best) < 0)) best = ea;
  }
  return best === null ? defaultEa : formatEthAddr(best);
}

function compareEa(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** bridge_pick_datapath_id: `other_config:datapath-id` (16 hex digits, not zero) or the local MAC's 48 bits, as 16 hex digits. */
export function pickDatapathId(br: Row, localEa: string): string {
  const req = String(br.cols.get("other_config")?.get("datapath-id") ?? "");
  if (/^[0-9a-fA-F]{16}$/.test(req) && !/^0+$/.test(req)) return req.toLowerCase();
  return `0000${localEa.replace(/:/g, "")}`;
}
