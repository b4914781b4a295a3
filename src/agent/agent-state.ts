/**
 * What the agent's parts share: Neutron's `OVSNeutronAgent` is one class of
 * ~3000 lines with mixins (l2population_rpc, DVR); here the state those
 * methods read and write is this one record, and each part of the agent is
 * a module of functions over it (bridges-setup.ts, local-vlans.ts,
 * port-binding.ts, device-processing.ts, tunnels.ts, l2pop.ts, spoofing.ts,
 * egress-direct.ts),
 * driven by the loop in ovs-agent.ts. Field names follow the Python
 * attributes they stand for.
 */
import type { PluginRpc } from "./rpc.js";
import type { AgentConfig } from "./agent-config.js";
import type { Switch } from "../vswitchd/switch.js";
import type { IntegrationBridge } from "./br-int.js";
import type { PhysicalBridge } from "./br-phys.js";
import type { TunnelBridge } from "./br-tun.js";
import type { LocalVlanManager, LocalVlanPool } from "./vlan-manager.js";

export interface AgentState {
  readonly sw: Switch;
  readonly host: string;
  /** `ovs-agent-<host>`, what the agent calls itself in RPCs. */
  readonly agentId: string;
  readonly config: AgentConfig;
  readonly plugin: PluginRpc;
  /** Where bridge cookies come from. */
  readonly random: () => number;

  /** enable_tunneling: tunnel_types is not empty. */
  readonly enableTunneling: boolean;
  readonly l2Pop: boolean;
  /** arp_responder and l2_population. */
  readonly arpResponderEnabled: boolean;
  readonly localIp: string | null;
  /** securitygroups_rpc's noopfirewall_or_firewall_disabled: the firewall is the noop driver or security groups are off. */
  noopFirewallOrDisabled: boolean;

  intBr: IntegrationBridge;
  /** null without tunnel types. */
  tunBr: TunnelBridge | null;
  /** phys_brs: physical network → its bridge. */
  readonly physBrs: Map<string, PhysicalBridge>;
  /** int_ofports / phys_ofports: physical network → the ofport of its patch on br-int / on its bridge. */
  readonly intOfports: Map<string, number>;
  readonly physOfports: Map<string, number>;
  /** patch_tun_ofport (br-int's patch to br-tun) and patch_int_ofport (br-tun's to br-int). */
  patchTunOfport: number;
  patchIntOfport: number;
  /** tun_br_ofports: tunnel type → remote IP → tunnel ofport (insertion order). */
  tunBrOfports: Map<string, Map<string, number>>;

  readonly vlanManager: LocalVlanManager;
  readonly vlanPool: LocalVlanPool;

  /** port_update / port_delete notifications waiting for the loop. */
  readonly updatedPorts: Set<string>;
  readonly deletedPorts: Set<string>;
  /** rpc_loop's iteration number (0 during the first). */
  iterNum: number;
  /** Reports devices up and down to the server (update_device_list), recording them; the failures. */
  reportDevices(up: readonly string[], down: readonly string[], refreshTunnels: boolean): { failedUp: readonly string[]; failedDown: readonly string[] };
}

/** _reset_tunnel_ofports: no tunnel ports known. */
export function emptyTunnelOfports(): Map<string, Map<string, number>> {
  return new Map([
    ["geneve", new Map()],
    ["gre", new Map()],
    ["vxlan", new Map()],
  ]);
}
