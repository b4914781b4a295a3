/**
 * The Neutron Open vSwitch agent of one host (Neutron 21 / Zed,
 * `OVSNeutronAgent` in plugins/ml2/drivers/openvswitch/agent/
 * ovs_neutron_agent.py, native of_interface), driving ovsim's switch.
 *
 * The constructor is `__init__`: br-int (secure, controller, snooping off,
 * default flows), the mapped physical bridges with their patch pairs, br-tun
 * with its patch pair and default flows, the local VLANs a previous agent
 * left on the ports reserved (`_restore_local_vlan_map`), the firewall
 * (security groups) driver, the first state report, and with
 * `explicitly_egress_direct` the ingress goto flows. It does not loop.
 *
 * `iterate()` is ONE `rpc_loop` iteration at the switch's current virtual
 * time, as the real loop runs it with `minimize_polling=False` (AlwaysPoll:
 * a full OVSDB scan every time):
 *   1. the heartbeat (`report_state`) when due on the virtual clock;
 *   2. OVS status from the canary flow (br-int table 23): gone → OVS lost
 *      its flows, rebuild every bridge (`_handle_ovs_restart`) and re-bind
 *      every port; br-int unreachable → dead, do nothing; else re-set-up
 *      any mapped physical bridge that was re-created since;
 *   3. `tunnel_sync` when needed (at start, after a restart or a failure);
 *   4. the port scan: current VIFs on br-int (iface-id + attached-mac)
 *      against the registered ones → added / removed, plus ports updated by
 *      the server (port_update) or whose tag changed under us;
 *   5. port_delete'd ports put on the dead VLAN; flows of vanished ofports
 *      deleted (`update_stale_ofport_rules`);
 *   6. `process_network_ports`: device details from the server, bind (local
 *      VLAN, tag, other_config), egress-direct flows, firewall filters,
 *      anti-spoofing, devices reported up/down; removed ports unbound (the
 *      last port of a network reclaims its VLAN and flows);
 *   7. after the first full sync, `cleanup_stale_flows` deletes flows with
 *      other cookies (a previous agent's);
 *   8. failed devices are retried up to MAX_DEVICE_RETRIES times.
 * An exception inside 4-8 is recorded (`errors`) and the next iteration
 * does a full resync, as Neutron's loop does.
 *
 * Reports: every update_device_list (and update_device_down) the agent makes
 * is appended to `reports`; `devicesUp` / `devicesDown` are what the last
 * `iterate()` (or the constructor) reported, so a step runner knows when a
 * plugged port came up.
 *
 * The server's casts (AgentRpcHandlers) act at once (fdb entries, tunnels)
 * or leave work for the next iteration (port_update, port_delete,
 * network_update), as in Neutron. docs/agent.md maps every part onto
 * Neutron's code and lists what is left out (DVR, smart NICs, ancillary
 * bridges, extensions, the OVSDB event monitor).
 */
import type { Switch } from "../vswitchd/switch.js";
import type { AgentConfig } from "./agent-config.js";
import type { AgentState } from "./agent-state.js";
import { emptyTunnelOfports } from "./agent-state.js";
import { IntegrationBridge } from "./br-int.js";
import { setupIntegrationBr, setupPhysicalBridges, setupTunnelBr, setupTunnelBrFlows } from "./bridges-setup.js";
import { DEAD_VLAN_TAG, INVALID_OFPORT, MAX_DEVICE_RETRIES, OVS_DEAD, OVS_RESTARTED } from "./constants.js";
import type { OvsStatus } from "./constants.js";
import type { DeviceContext, PortInfo } from "./device-processing.js";
import { deferredDeleteDirectFlows, minus, NetworkPorts, processNetworkPorts } from "./device-processing.js";
import { installIngressDirectGotoFlows } from "./egress-direct.js";
import type { FirewallDriver } from "./firewall-driver.js";
import { NoopFirewallDriver } from "./firewall-driver.js";
import { OvsFirewallDriver } from "./firewall/driver.js";
import { fdbAdd, fdbChgIp, fdbRemove } from "./l2pop.js";
import { portDead, portUnbound } from "./port-binding.js";
import type { AgentRpcHandlers, AgentState as ReportedState, FdbEntries, FdbUpdate, PluginRpc, PortUpdate } from "./rpc.js";
import type { AgentSnapshot } from "./snapshot.js";
import { AGENT_CLASSES, decodeAgent, encodeAgent } from "./snapshot.js";
import { tunnelDelete, tunnelSync, tunnelUpdate } from "./tunnels.js";
import { SnapshotError } from "../vswitchd/snapshot.js";
import { hintKey, LocalVlanManager, LocalVlanPool } from "./vlan-manager.js";

/** Builds the firewall driver once br-int is up (it needs br-int's cookie). */
export type FirewallFactory = (intBr: IntegrationBridge) => FirewallDriver;

export interface AgentOptions {
  readonly switch: Switch;
  readonly host: string;
  readonly config: AgentConfig;
  readonly plugin: PluginRpc;
  /**
   * The security-group firewall: an instance, or a factory called with
   * br-int when the agent creates its firewall (as Neutron's
   * SecurityGroupAgentRpc does). Default: `firewall_driver` decides —
   * the openvswitch driver (src/agent/firewall) built on br-int's cookie,
   * or the noop driver.
   */
  readonly firewall?: FirewallDriver | FirewallFactory;
  /** Where bridge cookies come from: a seeded source of doubles in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** One update_device_list (or update_device_down) the agent made. */
export interface DeviceReport {
  /** The rpc_loop iteration it was made in (-1: the constructor). */
  readonly iteration: number;
  readonly up: readonly string[];
  readonly down: readonly string[];
}

export class OvsNeutronAgent implements AgentRpcHandlers {
  readonly host: string;
  readonly config: AgentConfig;
  /** The agent's shared state (bridges, VLANs, tunnels). @internal */
  readonly state: AgentState;
  readonly firewall: FirewallDriver;
  /** Every device report, in order. */
  readonly reports: DeviceReport[] = [];
  /** What went wrong inside iterations and casts (Neutron logs these and resyncs). */
  readonly errors: unknown[] = [];

  private readonly sw: Switch;
  private readonly preventArpSpoofing: boolean;
  private lastUp: string[] = [];
  private lastDown: string[] = [];
  private reportIteration = -1;

  // rpc_loop's locals, kept between iterations
  private sync = false;
  private ports = new Set<string>();
  private needTunnelSync = true;
  private ovsRestarted = false;
  private consecutiveResyncs = 0;
  private needCleanStaleFlow = true;
  private failedDevices = { added: new Set<string>(), removed: new Set<string>() };
  private failedRetries = new Map<string, number>();
  private ovsStatus: OvsStatus | null = null;

  /** vifname_to_ofport_map: the previous scan's iface-id (or name) → ofport. */
  private vifnameToOfport = new Map<string, number>();
  /** network_ports: network → segment → port ids. */
  private readonly networkPorts = new NetworkPorts();
  /**
   * The Bridge row uuid of each mapped physical bridge as last seen: a new
   * uuid is a bridge deleted and made again (what the agent's OVSDB bridge
   * monitor reports as `bridges_added`).
   */
  private physBridgeUuids = new Map<string, string | undefined>();
  /** Bridges a failed reconfiguration left for the next iteration (added_bridges). */
  private addedBridges: string[] = [];
  /** What device processing works with (device-processing.ts). */
  private readonly devices: DeviceContext;

  // heartbeat
  private readonly agentState: { startFlag: boolean; configurations: Record<string, unknown> };
  private nextReportAt: number;
  private intBrDeviceCount = 0;

  constructor(options: AgentOptions) {
    const config = options.config;
    const random = options.random ?? Math.random;
    this.sw = options.switch;
    this.host = options.host;
    this.config = config;
    const enableTunneling = config.tunnelTypes.length > 0;
    if (config.enableDistributedRouting && enableTunneling && !config.l2Population) {
      throw new Error("DVR deployments for VXLAN/GRE/Geneve underlays require L2-pop to be enabled, in both the Agent and Server side.");
    }
    const plugin = options.plugin;
    const state: AgentState = {
      sw: this.sw,
      host: options.host,
      agentId: `ovs-agent-${options.host}`,
      config,
      plugin,
      random,
      enableTunneling,
      l2Pop: config.l2Population,
      arpResponderEnabled: (config.arpResponder && config.l2Population) || (config.enableDistributedRouting && enableTunneling),
      localIp: config.localIp,
      noopFirewallOrDisabled: true,
      intBr: new IntegrationBridge(this.sw, config.integrationBridge, random, config.datapathType),
      tunBr: null,
      physBrs: new Map(),
      intOfports: new Map(),
      physOfports: new Map(),
      patchTunOfport: INVALID_OFPORT,
      patchIntOfport: INVALID_OFPORT,
      tunBrOfports: emptyTunnelOfports(),
      vlanManager: new LocalVlanManager(),
      vlanPool: new LocalVlanPool(),
      updatedPorts: new Set(),
      deletedPorts: new Set(),
      iterNum: 0,
      reportDevices: (up, down, refreshTunnels) => this.reportDevices(up, down, refreshTunnels),
    };
    this.state = state;

    setupIntegrationBr(state);
    setupPhysicalBridges(state, config.bridgeMappings);
    state.tunBrOfports = emptyTunnelOfports();
    if (enableTunneling) {
      setupTunnelBr(state);
      setupTunnelBrFlows(state);
    }
    this.restoreLocalVlanMap();

    const fw = options.firewall;
    if (fw === undefined) {
      this.firewall =
        config.firewallDriver === "openvswitch"
          ? new OvsFirewallDriver({ switch: this.sw, integrationBridge: config.integrationBridge, plugin, cookie: state.intBr.defaultCookie, config })
          : new NoopFirewallDriver();
    } else if (typeof fw === "function") this.firewall = fw(state.intBr);
    else {
      this.firewall = fw;
      this.firewall.initialize();
    }
    state.noopFirewallOrDisabled = this.firewall instanceof NoopFirewallDriver || !config.enableSecurityGroup;
    const provides = (this.firewall as { providesArpSpoofingProtection?: boolean }).providesArpSpoofingProtection;
    this.preventArpSpoofing = !(provides ?? !(this.firewall instanceof NoopFirewallDriver));
    this.devices = { st: state, firewall: this.firewall, preventArpSpoofing: this.preventArpSpoofing, details: new Map(), networkPorts: this.networkPorts };

    this.agentState = {
      startFlag: true,
      configurations: {
        bridge_mappings: { ...config.bridgeMappings },
        integration_bridge: config.integrationBridge,
        tunnel_types: [...config.tunnelTypes],
        tunneling_ip: config.localIp,
        l2_population: config.l2Population,
        arp_responder_enabled: state.arpResponderEnabled,
        enable_distributed_routing: config.enableDistributedRouting,
        extensions: [],
        datapath_type: config.datapathType,
        ovs_hybrid_plug: false,
        baremetal_smartnic: false,
      },
    };
    this.nextReportAt = this.sw.now;
    if (config.reportInterval > 0) this.heartbeat();

    installIngressDirectGotoFlows(state);

    // daemon_loop: the OVSDB monitor of the mapped physical bridges starts now.
    this.physBridgesAdded();
  }

  /**
   * The agent's whole state as plain JSON data (src/agent/snapshot.ts): what
   * `OvsNeutronAgent.restore` gives back, on the host's switch restored from
   * its own snapshot. Taken between loop iterations.
   */
  saveState(): AgentSnapshot {
    const st = this.state;
    const externals = new Map<unknown, "switch" | "plugin" | "random" | "reportDevices">([
      [this.sw, "switch"],
      [st.plugin, "plugin"],
      [st.random, "random"],
      [st.reportDevices, "reportDevices"],
    ]);
    return encodeAgent(this, [OvsNeutronAgent, ...AGENT_CLASSES], externals, this.host);
  }

  /**
   * The agent `snapshot` saved (saveState), on `options.switch` (the host's
   * switch, restored), talking to `options.plugin`, drawing cookies from
   * `options.random`. Nothing runs: no bridge is set up, no report is made.
   * Throws SnapshotError (with the JSON path under `at`) for a bad snapshot.
   */
  static restore(snapshot: unknown, options: Pick<AgentOptions, "switch" | "plugin" | "random">, at = "$"): OvsNeutronAgent {
    let agent: OvsNeutronAgent | null = null;
    const reportDevices: AgentState["reportDevices"] = (up, down, refreshTunnels) => {
      if (agent === null) throw new SnapshotError("the agent is still being restored", at);
      return agent.reportDevices(up, down, refreshTunnels);
    };
    const externals = { switch: options.switch, plugin: options.plugin, random: options.random ?? Math.random, reportDevices };
    const root = decodeAgent(snapshot, [OvsNeutronAgent, ...AGENT_CLASSES], externals, at);
    if (!(root instanceof OvsNeutronAgent)) throw new SnapshotError("expected an OvsNeutronAgent at the graph's root", `${at}.graph.root`);
    agent = root;
    return root;
  }

  /** The integration bridge (its cookie, its flows). */
  get intBr(): IntegrationBridge {
    return this.state.intBr;
  }

  /** rpc_loop's iteration counter: iterations completed. */
  get iterations(): number {
    return this.state.iterNum;
  }

  /** Devices the last iterate() (or the constructor) reported up. */
  get devicesUp(): readonly string[] {
    return this.lastUp;
  }

  /** Devices the last iterate() (or the constructor) reported down (unplugged, admin-down, lost their tag). */
  get devicesDown(): readonly string[] {
    return this.lastDown;
  }

  // ---- the loop

  /** One rpc_loop iteration. */
  iterate(): void {
    const st = this.state;
    this.lastUp = [];
    this.lastDown = [];
    this.reportIteration = st.iterNum;
    if (this.config.reportInterval > 0 && this.sw.now >= this.nextReportAt) this.heartbeat();

    this.ovsStatus = st.intBr.checkCanaryTable();
    let bridgesRecreated = false;
    if (this.ovsStatus === OVS_RESTARTED) {
      this.handleOvsRestart();
      this.needTunnelSync = st.enableTunneling || this.needTunnelSync;
    } else if (this.ovsStatus === OVS_DEAD) {
      st.iterNum++;
      return;
    } else {
      const added = [...this.physBridgesAdded(), ...this.addedBridges];
      bridgesRecreated = this.reconfigurePhysicalBridges(added);
      if (bridgesRecreated) this.needCleanStaleFlow = true;
      this.sync ||= bridgesRecreated;
    }
    if (st.enableTunneling && this.needTunnelSync) this.needTunnelSync = tunnelSync(st);
    this.ovsRestarted ||= this.ovsStatus === OVS_RESTARTED;

    const updatedCopy = new Set(st.updatedPorts);
    st.updatedPorts.clear();
    try {
      const portInfo = this.processPortInfo(updatedCopy);
      this.sync = false;
      this.processDeletedPorts(portInfo);
      const moved = this.updateStaleOfportRules();
      for (const m of moved) portInfo.updated.add(m);
      if (portInfo.added.size > 0 || portInfo.removed.size > 0 || portInfo.updated.size > 0 || this.ovsRestarted) {
        this.failedDevices = processNetworkPorts(this.devices, portInfo, this.ovsRestarted || bridgesRecreated);
      }
      if (this.needCleanStaleFlow) {
        this.cleanupStaleFlows();
        this.needCleanStaleFlow = false;
      }
      this.ports = portInfo.current;
      this.updateRetries();
      this.ovsRestarted = false;
      st.vlanPool.disposeHints();
    } catch (e) {
      this.errors.push(e);
      for (const p of updatedCopy) st.updatedPorts.add(p);
      this.sync = true;
    }
    st.iterNum++;
  }

  /** update_device_list, recorded (AgentState.reportDevices). */
  private reportDevices(up: readonly string[], down: readonly string[], refreshTunnels: boolean): { failedUp: readonly string[]; failedDown: readonly string[] } {
    const r = this.state.plugin.updateDeviceList(up, down, this.state.agentId, this.host, refreshTunnels);
    this.reports.push({ iteration: this.reportIteration, up: [...up], down: [...down] });
    this.lastUp.push(...up);
    this.lastDown.push(...down);
    return { failedUp: r.failedDevicesUp, failedDown: r.failedDevicesDown };
  }

  /** The heartbeat (a FixedIntervalLoopingCall of _report_state) on the virtual clock: due now, next due one interval later. */
  private heartbeat(): void {
    const interval = Math.max(1, this.config.reportInterval) * 1000;
    while (this.nextReportAt <= this.sw.now) this.nextReportAt += interval;
    this.reportState();
  }

  /** _report_state: the agent's state to the server, skipped while OVS is dead. */
  private reportState(): void {
    if (this.ovsStatus === OVS_DEAD) return;
    this.agentState.configurations["devices"] = this.intBrDeviceCount;
    this.agentState.configurations["in_distributed_mode"] = false;
    const report: ReportedState = {
      binary: "neutron-openvswitch-agent",
      host: this.host,
      agentType: "Open vSwitch agent",
      startFlag: this.agentState.startFlag,
      configurations: { ...this.agentState.configurations },
    };
    try {
      this.state.plugin.reportState(this.host, report);
      if (this.state.iterNum > 0) this.agentState.startFlag = false;
    } catch (e) {
      this.errors.push(e);
    }
  }

  /** _handle_ovs_restart: every bridge set up again, the firewall's fixed flows too. */
  private handleOvsRestart(): void {
    const st = this.state;
    setupIntegrationBr(st);
    installIngressDirectGotoFlows(st);
    setupPhysicalBridges(st, this.config.bridgeMappings);
    if (st.enableTunneling) {
      st.tunBrOfports = emptyTunnelOfports();
      setupTunnelBr(st);
      setupTunnelBrFlows(st);
      this.agentState.startFlag = true;
      this.reportState(); // forced, to avoid racing the l2pop fdb update
    }
    this.firewall.initialize();
  }

  /** The mapped physical bridges whose Bridge row is new since the last look (idl_monitor.bridges_added). */
  private physBridgesAdded(): string[] {
    const added: string[] = [];
    for (const name of new Set(Object.values(this.config.bridgeMappings))) {
      const uuid = this.sw.db.findByName("Bridge", name)[0]?.uuid;
      const before = this.physBridgeUuids.get(name);
      if (this.physBridgeUuids.has(name) && uuid !== undefined && uuid !== before) added.push(name);
      this.physBridgeUuids.set(name, uuid);
    }
    return added;
  }

  /** _reconfigure_physical_bridges: mapped bridges that were re-created are set up again; true when any was. */
  private reconfigurePhysicalBridges(bridges: readonly string[]): boolean {
    const mappings: Record<string, string> = Object.fromEntries(bridges.flatMap((b) => Object.entries(this.config.bridgeMappings).filter(([, br]) => br === b)));
    if (Object.keys(mappings).length === 0) {
      this.addedBridges = [];
      return false;
    }
    try {
      setupPhysicalBridges(this.state, mappings);
      this.addedBridges = [];
      return true;
    } catch (e) {
      this.errors.push(e);
      this.addedBridges = [...bridges];
      return false;
    }
  }

  /** _restore_local_vlan_map: VLANs already on this bridge's ports are reserved for their networks. */
  private restoreLocalVlanMap(): void {
    const br = this.state.intBr;
    for (const port of br.getVifPorts([INVALID_OFPORT])) {
      const tag = br.dbGetVal("Port", port.portName, "tag");
      const other = br.dbGetVal("Port", port.portName, "other_config");
      if (typeof tag !== "number" || other === null || typeof other !== "object" || Array.isArray(other)) continue;
      const oc = other as Readonly<Record<string, unknown>>;
      const netUuid = oc["net_uuid"];
      if (typeof netUuid !== "string" || netUuid === "") continue;
      const seg = oc["segmentation_id"];
      if (tag !== DEAD_VLAN_TAG) this.state.vlanPool.restore(hintKey(netUuid, typeof seg === "string" ? seg : null), tag);
    }
  }

  /** process_port_info with AlwaysPoll: a full scan. */
  private processPortInfo(updatedCopy: Set<string>): PortInfo {
    let sync = this.sync;
    if (sync) {
      this.consecutiveResyncs++;
      if (this.consecutiveResyncs >= MAX_DEVICE_RETRIES) {
        this.ports = new Set();
        this.consecutiveResyncs = 0;
      }
    } else {
      this.consecutiveResyncs = 0;
      sync = this.failedDevices.added.size > 0 || this.failedDevices.removed.size > 0;
    }
    const registered = this.ovsRestarted ? new Set<string>() : this.ports;
    return this.scanPorts(registered, sync, updatedCopy);
  }

  /** scan_ports. */
  private scanPorts(registered: ReadonlySet<string>, sync: boolean, updated: Set<string>): PortInfo {
    const cur = this.state.intBr.getVifPortSet();
    this.intBrDeviceCount = cur.size;
    const info: PortInfo = { current: cur, added: new Set(), removed: new Set(), updated: new Set() };
    const same = cur.size === registered.size && [...cur].every((p) => registered.has(p));
    if (sync || !same) {
      info.added = sync ? new Set(cur) : minus(cur, registered);
      info.removed = minus(registered, cur);
    }
    for (const p of this.checkChangedVlans()) updated.add(p);
    info.updated = new Set([...updated].filter((p) => cur.has(p)));
    return info;
  }

  /** check_changed_vlans: bound ports whose tag is no longer their VLAN are reported down and re-processed. */
  private checkChangedVlans(): Set<string> {
    const tags = this.state.intBr.getPortTagDict();
    const changed = new Set<string>();
    for (const lvm of this.state.vlanManager.mappings()) {
      for (const port of lvm.vifPorts.values()) {
        const tag = tags.get(port.portName);
        if (tag !== undefined && tag !== lvm.vlan) changed.add(port.vifId);
      }
    }
    if (changed.size > 0) this.state.reportDevices([], [...changed], false);
    return changed;
  }

  /** process_deleted_ports: port_delete'd ports go to the dead VLAN and are unbound. */
  private processDeletedPorts(info: PortInfo): void {
    const st = this.state;
    for (const p of info.removed) st.deletedPorts.delete(p);
    const deleted = [...st.deletedPorts];
    deferredDeleteDirectFlows(st, deleted);
    for (const id of deleted) {
      st.deletedPorts.delete(id);
      const port = st.intBr.getVifPortById(id);
      this.networkPorts.clean(id);
      if (port !== null) portDead(st, port);
      portUnbound(st, id);
    }
    if (deleted.length > 0) this.firewall.removeDevicesFilter(deleted);
  }

  /** update_stale_ofport_rules: flows of ofports that vanished go; ports whose ofport moved are re-processed. */
  private updateStaleOfportRules(): string[] {
    const st = this.state;
    const previous = this.vifnameToOfport;
    const current = st.intBr.getVifPortToOfportMap();
    const moved: string[] = [];
    for (const [name, ofport] of previous) {
      const now = current.get(name);
      if (now !== undefined && now !== ofport) moved.push(name);
    }
    const currentOfports = new Set(current.values());
    for (const ofport of new Set(previous.values())) {
      if (currentOfports.has(ofport)) continue;
      if (this.preventArpSpoofing) st.intBr.deleteArpSpoofingProtection(ofport);
      st.intBr.uninstallFlows({ match: `in_port=${ofport}` });
    }
    this.vifnameToOfport = current;
    return moved;
  }

  /** cleanup_stale_flows: every bridge's flows with other cookies go. */
  private cleanupStaleFlows(): void {
    const st = this.state;
    st.intBr.cleanupFlows();
    for (const br of st.physBrs.values()) br.cleanupFlows();
    if (st.enableTunneling) st.tunBr?.cleanupFlows();
  }

  /** update_retries_map_and_remove_devs_not_to_retry. */
  private updateRetries(): void {
    const next = new Map<string, number>();
    for (const kind of ["added", "removed"] as const) {
      for (const dev of [...this.failedDevices[kind]]) {
        const n = this.failedRetries.get(dev) ?? 0;
        if (n >= MAX_DEVICE_RETRIES) this.failedDevices[kind].delete(dev);
        else next.set(dev, n + 1);
      }
    }
    this.failedRetries = next;
  }

  // ---- what the server casts (AgentRpcHandlers)

  /** port_update: the port is re-processed in the next iteration. */
  portUpdate(port: PortUpdate): void {
    this.state.updatedPorts.add(port.id);
  }

  /** port_delete: the port goes to the dead VLAN and is unbound in the next iteration. */
  portDelete(portId: string): void {
    this.state.deletedPorts.add(portId);
    this.state.updatedPorts.delete(portId);
  }

  /**
   * network_update: the network's ports are re-processed in the next
   * iteration. (Neutron also re-reads the network with get_network_details
   * to follow a VLAN segmentation change; the RPC contract has no such call.)
   */
  networkUpdate(networkId: string): void {
    for (const p of this.networkPorts.portsOf(networkId)) if (!this.state.deletedPorts.has(p)) this.state.updatedPorts.add(p);
  }

  /** network_delete: the Zed OVS agent has no handler for it (a network's VLAN goes with its last port). */
  networkDelete(_networkId: string): void {}

  tunnelUpdate(tunnelIp: string, tunnelType: string): void {
    this.guard(() => tunnelUpdate(this.state, tunnelIp, tunnelType));
  }

  tunnelDelete(tunnelIp: string, tunnelType: string): void {
    this.guard(() => tunnelDelete(this.state, tunnelIp, tunnelType));
  }

  /** add_fdb_entries (l2population). */
  addFdbEntries(entries: FdbEntries): void {
    this.guard(() => fdbAdd(this.state, entries));
  }

  /** remove_fdb_entries (l2population). */
  removeFdbEntries(entries: FdbEntries): void {
    this.guard(() => fdbRemove(this.state, entries));
  }

  /** update_fdb_entries (l2population's chg_ip). */
  updateFdbEntries(update: FdbUpdate): void {
    this.guard(() => fdbChgIp(this.state, update));
  }

  /** security_groups_rule_updated: the firewall refreshes the ports in those groups (src/agent/firewall/driver.ts). */
  securityGroupsRuleUpdated(securityGroups: readonly string[]): void {
    this.guard(() => this.firewall.securityGroupsRuleUpdated(securityGroups));
  }

  /** security_groups_member_updated: the firewall refreshes the ports whose rules name those groups as remote groups. */
  securityGroupsMemberUpdated(securityGroups: readonly string[]): void {
    this.guard(() => this.firewall.securityGroupsMemberUpdated(securityGroups));
  }

  /** An RPC handler's failure is logged (recorded), as oslo.messaging does, and does not reach the caller. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.errors.push(e);
    }
  }
}
