/**
 * A small stand-in for the Neutron OVS agent, enough to drive the cloud's
 * runner before src/agent/ovs-agent.ts exists: it keeps br-int as a
 * NORMAL-switching bridge, binds each VIF it finds (the Port's tag is the
 * network's local VLAN, lowest free first; 4095 for admin_state_up false),
 * reports devices up / down like the real agent (refresh_tunnels on its
 * first iteration and while a tunnelled network has no tunnel yet), calls
 * tunnel_sync on its first iteration, handles port_update by reporting the
 * port again, notices an OVS restart through its canary flow in table 23,
 * and records every cast it receives. It keeps an FDB as the real agent's
 * l2population code does: entries of its own IP and of networks without a
 * local port ignored, a network's entries dropped with its last local port.
 */
import type { AgentConfig } from "../../src/agent/agent-config.js";
import type { FdbEntries, FdbUpdate, PluginRpc, PortUpdate } from "../../src/agent/rpc.js";
import type { AgentContext, AgentLike } from "../../src/cloud/agent-factory.js";
import type { Switch } from "../../src/vswitchd/switch.js";

export interface StubCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

const DEAD_VLAN = 4095;

export class StubAgent implements AgentLike {
  readonly calls: StubCall[] = [];
  readonly cookie: bigint;
  iterations = 0;
  private readonly sw: Switch;
  private readonly host: string;
  private readonly config: AgentConfig;
  private readonly plugin: PluginRpc;
  /** Port name -> device (iface-id) of the ports bound or being bound. */
  private registered = new Map<string, string>();
  private readonly failed = new Set<string>();
  private readonly updated = new Set<string>();
  private readonly vlans = new Map<string, number>();
  /** Networks with l2pop tunnels (flooding entries received). */
  private readonly tunnels = new Map<string, Set<string>>();
  /** The local ports bound, by network (the agent's local VLAN mappings). */
  private readonly localPorts = new Map<string, Set<string>>();
  /** The l2population FDB: network -> remote IP -> "mac ip" entries. */
  readonly fdb = new Map<string, Map<string, Set<string>>>();

  constructor(ctx: AgentContext) {
    this.sw = ctx.switch;
    this.host = ctx.host;
    this.config = ctx.config;
    this.plugin = ctx.plugin;
    this.cookie = ctx.random.uint64();
    this.setupBridges();
  }

  private setupBridges(): void {
    const br = this.config.integrationBridge;
    this.sw.addBridge(br, { mayExist: true, failMode: "secure" });
    this.sw.deleteFlows(br);
    const c = `0x${this.cookie.toString(16)}`;
    this.sw.addFlow(br, `cookie=${c},table=0,priority=0,actions=NORMAL`);
    this.sw.addFlow(br, `cookie=${c},table=23,priority=0,actions=drop`);
  }

  iterate(): void {
    const first = this.iterations === 0;
    this.iterations++;
    if (this.sw.dumpFlows(this.config.integrationBridge, "table=23").length === 0) {
      this.setupBridges(); // OVS restarted: every port is new again
      this.registered = new Map();
    }
    if (first && this.config.localIp !== null) for (const t of this.config.tunnelTypes) this.plugin.tunnelSync(this.config.localIp, t, this.host);
    const current = new Map<string, string>();
    for (const p of this.sw.ports(this.config.integrationBridge)) {
      const ids = this.sw.get("Interface", p.name, "external_ids") as Record<string, string> | null;
      const id = ids?.["iface-id"];
      if (id !== undefined) current.set(p.name, id);
    }
    const added = [...current].filter(([name]) => !this.registered.has(name));
    const removed = [...this.registered].filter(([name]) => !current.has(name)).map(([, id]) => id);
    const devices = [...new Set([...added.map(([, id]) => id), ...this.failed, ...[...this.updated].filter((d) => [...current.values()].includes(d))])];
    this.failed.clear();
    this.updated.clear();
    const up: string[] = [];
    const down: string[] = [];
    let tunnelsMissing = false;
    if (devices.length > 0) {
      const details = this.plugin.getDevicesDetailsListAndFailedDevices(devices, `ovs-agent-${this.host}`, this.host);
      for (const f of details.failedDevices) this.failed.add(f);
      for (const d of details.devices) {
        const name = [...current].find(([, id]) => id === d.device)?.[0];
        if (name === undefined) continue;
        let vlan = this.vlans.get(d.networkId);
        if (vlan === undefined) {
          vlan = 1;
          while ([...this.vlans.values()].includes(vlan)) vlan++;
          this.vlans.set(d.networkId, vlan);
        }
        this.sw.set("Port", name, "tag", d.adminStateUp ? vlan : DEAD_VLAN);
        if (d.adminStateUp) this.bindLocal(d.networkId, d.device);
        else this.unbindLocal(d.device);
        if (d.adminStateUp) {
          up.push(d.device);
          if (["vxlan", "gre", "geneve"].includes(d.networkType) && (this.tunnels.get(d.networkId)?.size ?? 0) === 0) tunnelsMissing = true;
        } else down.push(d.device);
      }
    }
    for (const [name, id] of added) if (!this.failed.has(id)) this.registered.set(name, id);
    for (const [name] of [...this.registered].filter(([n]) => !current.has(n))) this.registered.delete(name);
    down.push(...removed);
    for (const d of removed) this.unbindLocal(d);
    if (up.length > 0 || down.length > 0) this.plugin.updateDeviceList(up, down, `ovs-agent-${this.host}`, this.host, first || tunnelsMissing);
  }

  private bindLocal(net: string, device: string): void {
    for (const [n, ports] of this.localPorts) if (n !== net) ports.delete(device);
    this.localPorts.set(net, (this.localPorts.get(net) ?? new Set()).add(device));
  }

  private unbindLocal(device: string): void {
    for (const [net, ports] of this.localPorts) {
      if (ports.delete(device) && ports.size === 0) {
        this.localPorts.delete(net);
        this.fdb.delete(net);
        this.tunnels.delete(net);
      }
    }
  }

  /** Applies an fdb message as the agent's fdb_add / fdb_remove do. */
  private applyFdb(entries: FdbEntries, add: boolean): void {
    for (const [net, n] of Object.entries(entries)) {
      if (!this.localPorts.has(net)) continue;
      const table = this.fdb.get(net) ?? new Map<string, Set<string>>();
      for (const [ip, pairs] of Object.entries(n.ports)) {
        if (ip === this.config.localIp) continue;
        const set = table.get(ip) ?? new Set<string>();
        for (const [mac, addr] of pairs) {
          if (add) set.add(`${mac} ${addr}`);
          else set.delete(`${mac} ${addr}`);
        }
        if (set.size > 0) table.set(ip, set);
        else table.delete(ip);
      }
      this.fdb.set(net, table);
    }
  }

  /** The FDB as plain data: network -> remote IP -> sorted entries (networks without entries left out). */
  fdbState(): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    for (const [net, table] of this.fdb) {
      if (table.size === 0) continue;
      out[net] = Object.fromEntries([...table].map(([ip, set]) => [ip, [...set].sort()]));
    }
    return out;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  portUpdate(port: PortUpdate): void {
    this.record("port_update", port);
    this.updated.add(port.id);
  }
  portDelete(portId: string): void {
    this.record("port_delete", portId);
  }
  networkUpdate(networkId: string): void {
    this.record("network_update", networkId);
  }
  networkDelete(networkId: string): void {
    this.record("network_delete", networkId);
    this.vlans.delete(networkId);
  }
  tunnelUpdate(tunnelIp: string, tunnelType: string): void {
    this.record("tunnel_update", tunnelIp, tunnelType);
  }
  tunnelDelete(tunnelIp: string, tunnelType: string): void {
    this.record("tunnel_delete", tunnelIp, tunnelType);
  }
  addFdbEntries(entries: FdbEntries): void {
    this.record("add_fdb_entries", entries);
    this.applyFdb(entries, true);
    for (const [net, n] of Object.entries(entries)) {
      for (const [ip, pairs] of Object.entries(n.ports)) {
        if (ip !== this.config.localIp && pairs.some(([mac]) => mac === "00:00:00:00:00:00")) {
          const set = this.tunnels.get(net) ?? new Set<string>();
          set.add(ip);
          this.tunnels.set(net, set);
        }
      }
    }
  }
  removeFdbEntries(entries: FdbEntries): void {
    this.record("remove_fdb_entries", entries);
    this.applyFdb(entries, false);
  }
  updateFdbEntries(update: FdbUpdate): void {
    this.record("update_fdb_entries", update);
  }

  /** The fdb messages received, as the real agent sees them: entries of its own IP dropped, empty messages left out. */
  fdbMessages(): { method: string; entries: FdbEntries }[] {
    const out: { method: string; entries: FdbEntries }[] = [];
    for (const c of this.calls) {
      if (c.method !== "add_fdb_entries" && c.method !== "remove_fdb_entries") continue;
      const entries: Record<string, FdbEntries[string]> = {};
      for (const [net, n] of Object.entries(c.args[0] as FdbEntries)) {
        const ports = Object.fromEntries(Object.entries(n.ports).filter(([ip]) => ip !== this.config.localIp));
        if (Object.keys(ports).length > 0) entries[net] = { ...n, ports };
      }
      if (Object.keys(entries).length > 0) out.push({ method: c.method, entries });
    }
    return out;
  }
}

/** A factory that keeps every stub it built, by host (the latest last). */
export function stubFactory(): { factory: (ctx: AgentContext) => StubAgent; agents: Map<string, StubAgent[]> } {
  const agents = new Map<string, StubAgent[]>();
  return {
    agents,
    factory: (ctx) => {
      const a = new StubAgent(ctx);
      agents.set(ctx.host, [...(agents.get(ctx.host) ?? []), a]);
      return a;
    },
  };
}
