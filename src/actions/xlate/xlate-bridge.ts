/**
 * What translation needs from a bridge and its ports: the narrow interface
 * through which src/actions/xlate talks to bridges (src/datapath implements
 * it; translation never imports the datapath). Modelled on what OVS's
 * ofproto-dpif-xlate keeps in its `xbridge` / `xport` records.
 */
import type { ActionList } from "../action-types.js";
import type { FlowTables } from "../../flowtable/flow-tables.js";

/** Port VLAN configuration, for NORMAL (OVS's Port.vlan_mode / tag / trunks). */
export interface XlateVlanConfig {
  readonly mode: "access" | "trunk" | "native-tagged" | "native-untagged" | "dot1q-tunnel";
  /** Access VLAN or native VLAN; null when none. */
  readonly tag: number | null;
  /** Trunked VLANs; empty means all. */
  readonly trunks: readonly number[];
}

/** Tunnel configuration of a tunnel port (Interface.options). */
export interface XlateTunnelConfig {
  readonly type: "vxlan" | "gre" | "geneve";
  readonly remoteIp: string | "flow";
  readonly localIp: string | "flow" | null;
  /** `key` / `out_key`: a number, or "flow" (tun_id comes from the flow). */
  readonly outKey: bigint | "flow";
  readonly inKey: bigint | "flow";
  readonly dstPort: number;
}

export interface XlatePort {
  readonly name: string;
  readonly ofport: number;
  /** Datapath port number; null for ports the datapath does not have (patch ports). */
  readonly odpPort: number | null;
  /** Interface type as in the config DB: "", "internal", "patch", "vxlan", "gre", "geneve", "dummy"... */
  readonly type: string;
  /** For a patch port with a usable peer: the peer's bridge and OpenFlow port number. */
  readonly patchPeer: { readonly bridge: XlateBridge; readonly ofport: number } | null;
  readonly vlan: XlateVlanConfig;
  readonly tunnel: XlateTunnelConfig | null;
  /** OpenFlow port config bits that translation honours. */
  readonly noFlood: boolean;
  readonly noForward: boolean;
  readonly noReceive: boolean;
}

export interface XlateBridge {
  readonly name: string;
  readonly tables: FlowTables<ActionList>;
  readonly failMode: "standalone" | "secure";
  port(ofport: number): XlatePort | undefined;
  /** Every port, in OpenFlow port number order (FLOOD, ALL). */
  ports(): readonly XlatePort[];
}
