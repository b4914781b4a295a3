/**
 * Traffic between a cloud's VMs: ping, all-pairs ping per network, and a
 * trace of a VM's packet (ovsim's own steps; docs/cloud.md).
 *
 * Pings run the VM endpoints of src/sim (ARP, then ICMP echo) through the
 * hosts' real datapaths and the flows the agents installed, on the
 * simulation's clock (time passes: about 0.04 ms a ping on one host; one
 * second per unanswered request). Printed on stdout:
 *
 *   ### ping vm-a -> vm-b
 *   vm-a -> vm-b (10.1.0.6): 1/1 received, rtt 0.04 ms
 *
 * Between hosts, packets need the underlay: on a tunnelled network both
 * hosts need an `underlay` with an IPv4 address (their tunnel NICs, outside
 * OVS, on one segment; IPv6 tunnel endpoints are not routed by the host IP
 * stack yet); on a VLAN or flat network both need a physical NIC for the
 * physical network (`underlay.physical_nics`). Without it a ping is not
 * sent: it prints `not run: WHY` and the step fails (a silent timeout would
 * look like a dataplane bug).
 *
 * A ping to a VM counts only that VM's replies. Two tenants may use the
 * same addresses: a ping from tenant A's VM to tenant B's VM at 10.0.0.3 is
 * answered by tenant A's own 10.0.0.3, and that is not B's reply (the line
 * says who answered: `0/1 received; answered by a2 (fa:16:3e:...)`).
 * A ping to an address counts whoever answers.
 *
 * `ping_matrix` pings every ordered pair of a network's VMs, and from each
 * of them every VM of the other networks at its address, and prints one
 * table per network (rows ping columns; `ok` every request answered by the
 * column's VM, `none` not one, `N/M` some, `-` itself, `*` the address was
 * answered by another VM of the row's network, named below the table).
 *
 * `expect` ("ok": every request answered; "fail": none; for ping_matrix
 * "ok": every pair of a network answered and no VM of another network)
 * turns a ping into a check; a result against it makes the step fail
 * (stderr says why).
 */
import { ownValue } from "../agent/own.js";
import type { PingResult } from "../datapath/endpoint.js";
import type { Trace } from "../vswitchd/trace.js";
import { parseIpv4 } from "../datapath/endpoint.js";
import { formatMac } from "../datapath/mac-learning.js";
import { OvsimError } from "../flowtable/errors.js";
import { runLine } from "../utilities/run-script.js";
import type { CloudStep } from "./cloud-types.js";
import { isTunnelType } from "./cloud-types.js";
import type { Cloud, Vm } from "./cloud.js";
import { CloudStepError } from "./cloud.js";
import { ipVersion, isIpv4 } from "./file-checks.js";

/** A ping's other end: a VM, or only an address. */
interface Target {
  readonly label: string;
  readonly ip: string;
  /** The VM pinged, or the VM that has the address. */
  readonly vm: Vm | null;
  /** Named as a VM (only its replies count), not as an address (any answer counts). */
  readonly named: boolean;
}

/** What one ping did. */
interface PingOutcome {
  /** The result line (`a -> b (10.0.0.3): 1/1 received, rtt 0.04 ms`). */
  readonly line: string;
  /** Null: the ping did not run (the line says why). */
  readonly result: PingResult | null;
  /** Requests the target answered (a named VM: its own replies only). */
  readonly received: number;
  /** Who answered at the target's address when it was not the named VM (a VM's name, else its MAC); null: nobody else. */
  readonly answeredBy: string | null;
}

function vmOf(cloud: Cloud, step: CloudStep, ref: string): Vm {
  const vm = cloud.findVm(ref);
  if (vm === undefined) throw new CloudStepError(step.index, step.op, `no VM or plugged port ${ref}`);
  return vm;
}

function ipv4Of(cloud: Cloud, vm: Vm): string | undefined {
  return cloud.server.port(vm.portId)?.fixedIps.find((a) => ipVersion(a) === 4);
}

function targetOf(cloud: Cloud, step: CloudStep, ref: string): Target {
  const vm = cloud.findVm(ref);
  if (vm !== undefined) {
    const ip = ipv4Of(cloud, vm);
    if (ip === undefined) throw new CloudStepError(step.index, step.op, `${vm.name} has no IPv4 address`);
    return { label: vm.name, ip, vm, named: true };
  }
  if (isIpv4(ref)) {
    const owner = [...cloud.vms.values()].find((v) => ipv4Of(cloud, v) === ref) ?? null;
    return { label: ref, ip: ref, vm: owner, named: false };
  }
  throw new CloudStepError(step.index, step.op, `no VM or plugged port ${ref}`);
}

/** Why a packet from `a` cannot reach `b` in this simulation yet (null: it can be tried). */
export function crossHostProblem(cloud: Cloud, a: Vm, b: Vm): string | null {
  if (a.host === b.host) return null;
  const na = cloud.server.port(a.portId)?.networkId;
  const nb = cloud.server.port(b.portId)?.networkId;
  if (na === undefined || na !== nb) return null; // different networks: nothing connects them, and the ping says so
  const net = cloud.server.network(na);
  if (net === undefined || net.networkType === "local") return null;
  if (isTunnelType(net.networkType)) {
    const segments = [a.host, b.host].map((h) => {
      const u = cloud.hostSpec(h).underlay;
      return u !== null && u.address !== null && ipVersion(u.address.split("/")[0] ?? "") === 4 ? u.segment : null;
    });
    const without = [a.host, b.host].filter((_, i) => segments[i] === null);
    if (without.length > 0) {
      return `${a.name} (${a.host}) and ${b.name} (${b.host}) are on different hosts of ${net.networkType} network ${net.name ?? net.id}, and ${without.join(" and ")} ${without.length > 1 ? "have" : "has"} no underlay with an IPv4 address to carry tunnel packets`;
    }
    if (segments[0] !== segments[1]) return `${a.host} and ${b.host} are on different underlay segments (${segments.join(", ")})`;
    return null;
  }
  const physnet = net.physicalNetwork ?? "";
  for (const h of [a.host, b.host]) {
    if (ownValue(cloud.hostSpec(h).underlay?.physicalNics ?? {}, physnet) === undefined) {
      return `host ${h} has no NIC on physical network ${physnet} (give it one in underlay.physical_nics)`;
    }
  }
  return null;
}

export function formatPingResult(from: string, to: Target, r: PingResult, received = r.received, answeredBy: string | null = null): string {
  const head = `${from} -> ${to.label}${to.label === to.ip ? "" : ` (${to.ip})`}:`;
  if (!r.resolved) return `${head} ARP unresolved`;
  if (answeredBy !== null) return `${head} ${received}/${r.transmitted} received; answered by ${answeredBy}`;
  const rtt = r.rttMs.length > 0 ? `, rtt ${r.rttMs.join(" ")} ms` : "";
  return `${head} ${received}/${r.transmitted} received${rtt}`;
}

/**
 * Who answered `from`'s ping of `to` when it was not the VM named: the
 * endpoint sends its echo requests to the MAC its ARP resolved, and only
 * that MAC's owner answers them. Null when the named VM answered (or the
 * target is an address, or nothing was resolved).
 */
function otherResponder(cloud: Cloud, from: Vm, to: Target): string | null {
  if (!to.named || to.vm === null || from.endpoint === null) return null;
  const mac = from.endpoint.arpCache.get(parseIpv4(to.ip));
  if (mac === undefined || to.vm.endpoint?.mac === mac) return null;
  const owner = [...cloud.vms.values()].find((v) => v.endpoint?.mac === mac);
  return owner === undefined ? formatMac(mac) : `${owner.name} (${formatMac(mac)})`;
}

/** Runs one ping (nothing printed on stdout; a ping that cannot run is said on stderr). */
function pingPair(cloud: Cloud, step: CloudStep, from: Vm, to: Target, count: number): PingOutcome {
  const problem = to.vm === null ? null : crossHostProblem(cloud, from, to.vm);
  if (problem !== null) {
    cloud.err(`ovsim cloud: step ${step.index} (${step.op}): ${from.name} -> ${to.label}: not run: ${problem}`);
    return { line: `${from.name} -> ${to.label}: not run: ${problem}`, result: null, received: 0, answeredBy: null };
  }
  if (from.endpoint === null) throw new CloudStepError(step.index, step.op, `${from.name} has no IPv4 address to ping from`);
  let r: PingResult;
  try {
    r = from.endpoint.ping(parseIpv4(to.ip), { count });
  } catch (e) {
    if (!(e instanceof OvsimError)) throw e;
    cloud.err(`ovsim cloud: step ${step.index} (${step.op}): ${e.message}`);
    return { line: `${from.name} -> ${to.label}: error: ${e.message}`, result: null, received: 0, answeredBy: null };
  }
  const answeredBy = r.received > 0 ? otherResponder(cloud, from, to) : null;
  const received = answeredBy === null ? r.received : 0;
  return { line: formatPingResult(from.name, to, r, received, answeredBy), result: r, received, answeredBy };
}

/** How a ping went, as an `expected ..., got ...` message says it. */
function gotText(o: PingOutcome): string {
  if (o.result === null) return "not run";
  if (!o.result.resolved) return "ARP unresolved";
  return `${o.received}/${o.result.transmitted} received${o.answeredBy === null ? "" : ` (answered by ${o.answeredBy})`}`;
}

/** Whether `o` meets `expect` ("ok": every request answered by the target; "fail": none). */
function meets(o: PingOutcome, expect: "ok" | "fail" | null): boolean {
  if (expect === null) return o.result !== null;
  if (o.result === null) return false;
  return expect === "ok" ? o.result.resolved && o.received === o.result.transmitted : o.received === 0;
}

/** Runs one ping; its line on stdout; false when it could not run or missed its expectation. */
function pingOnce(cloud: Cloud, step: CloudStep, from: Vm, to: Target, count: number, expect: "ok" | "fail" | null): boolean {
  const o = pingPair(cloud, step, from, to, count);
  cloud.out(o.line);
  if (o.result === null) return false;
  if (!meets(o, expect)) {
    cloud.err(`ovsim cloud: step ${step.index} (${step.op}): ${from.name} -> ${to.label}: expected ${expect}, got ${gotText(o)}`);
    return false;
  }
  return true;
}

export function ping(cloud: Cloud, step: CloudStep & { readonly op: "ping" }): boolean {
  const from = vmOf(cloud, step, step.from);
  const to = targetOf(cloud, step, step.to);
  cloud.out(`### ping ${from.name} -> ${to.label}`);
  return pingOnce(cloud, step, from, to, step.count, step.expect);
}

/** Every ordered pair of VMs (with an IPv4 address) of each network, or of one. */
export function pingAll(cloud: Cloud, step: CloudStep & { readonly op: "ping_all" }): boolean {
  let ok = true;
  const networks = cloud.spec.networks.filter((n) => (step.networkId === null || n.id === step.networkId) && cloud.server.network(n.id) !== undefined);
  for (const net of networks) {
    const vms = [...cloud.vms.values()].filter((v) => cloud.server.port(v.portId)?.networkId === net.id && v.endpoint !== null);
    cloud.out(`### ping_all ${net.name ?? net.id}`);
    for (const a of vms) {
      for (const b of vms) {
        if (a === b) continue;
        const ip = ipv4Of(cloud, b) ?? "";
        ok = pingOnce(cloud, step, a, { label: b.name, ip, vm: b, named: true }, step.count, step.expect) && ok;
      }
    }
  }
  return ok;
}

/** The VMs (with an IPv4 address) plugged on network `id`, in plug order. */
function vmsOn(cloud: Cloud, id: string): Vm[] {
  return [...cloud.vms.values()].filter((v) => cloud.server.port(v.portId)?.networkId === id && v.endpoint !== null);
}

/** A matrix cell: `-` itself, `ok` every request answered by the column's VM, `none` not one, `N/M` some; `*` another VM answered at its address. */
function cellText(o: PingOutcome): string {
  const mark = o.answeredBy === null ? "" : "*";
  if (o.result === null) return "n/a";
  if (!o.result.resolved || o.received === 0) return `none${mark}`;
  return o.received === o.result.transmitted ? `ok${mark}` : `${o.received}/${o.result.transmitted}${mark}`;
}

/**
 * ping_matrix: per network (or one), every ordered pair of its VMs, and from
 * each of them every VM of the other networks at its address; one table per
 * network (see the file comment), then the addresses another VM answered.
 */
export function pingMatrix(cloud: Cloud, step: CloudStep & { readonly op: "ping_matrix" }): boolean {
  let ok = true;
  const live = cloud.spec.networks.filter((n) => cloud.server.network(n.id) !== undefined);
  for (const net of live.filter((n) => step.networkId === null || n.id === step.networkId)) {
    const own = vmsOn(cloud, net.id);
    const others = live.filter((n) => n.id !== net.id).flatMap((n) => vmsOn(cloud, n.id));
    const columns = [...own, ...others];
    const rows: string[][] = [["from\\to", ...own.map((v) => v.name), ...(others.length > 0 ? ["|"] : []), ...others.map((v) => v.name)]];
    const notes: string[] = [];
    for (const a of own) {
      const cells = [a.name];
      for (const b of columns) {
        if (b === others[0]) cells.push("|");
        if (a === b) {
          cells.push("-");
          continue;
        }
        const ip = ipv4Of(cloud, b) ?? "";
        const o = pingPair(cloud, step, a, { label: b.name, ip, vm: b, named: true }, step.count);
        cells.push(cellText(o));
        if (o.answeredBy !== null) notes.push(`${a.name} -> ${b.name} (${ip}): answered by ${o.answeredBy}`);
        const sameNet = own.includes(b);
        if (step.expect === "ok" && !meets(o, sameNet ? "ok" : "fail")) {
          cloud.err(`ovsim cloud: step ${step.index} (ping_matrix): ${a.name} -> ${b.name}: expected ${sameNet ? "ok" : "none"}, got ${gotText(o)}`);
          ok = false;
        }
        if (o.result === null) ok = false;
      }
      rows.push(cells);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))); // rows[0] exists: the header
    cloud.out(`### ping_matrix ${net.name ?? net.id}`);
    for (const r of rows) cloud.out(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" ").trimEnd());
    for (const n of notes) cloud.out(`* ${n}`);
  }
  return ok;
}

/** A host's tunnel address (its underlay's IPv4 address), or null. */
function tunnelAddress(cloud: Cloud, host: string): string | null {
  const a = cloud.hostSpec(host).underlay?.address?.split("/")[0] ?? null;
  return a !== null && ipVersion(a) === 4 ? a : null;
}

/** Prints `ofproto/trace` of `flow` on `host`'s `bridge` as a run block; null when the command failed. */
function traceBlock(cloud: Cloud, host: string, bridge: string, flow: string): Trace | null {
  const command = `ovs-appctl ofproto/trace ${bridge} ${flow}`;
  cloud.out(cloud.multiHost ? `### ${host}: ${command}` : `### ${command}`);
  const sw = cloud.switchOf(host);
  const r = runLine(sw, command);
  for (const l of r.stdout) cloud.out(l);
  for (const l of r.stderr) cloud.err(cloud.multiHost ? `${host}: ${l}` : l);
  return r.ok ? sw.trace(bridge, flow) : null;
}

/**
 * Where the packet `t` traced from `from` enters `to`'s host, as the next
 * trace's bridge and flow (the same inner packet, with the tunnel metadata or
 * the provider VLAN it arrives with), or why it does not get there.
 */
function nextHop(cloud: Cloud, from: Vm, to: Vm, t: Trace, inner: string): { bridge: string; flow: string } | string {
  const problem = crossHostProblem(cloud, from, to);
  if (problem !== null) return problem;
  const netId = cloud.server.port(from.portId)?.networkId;
  const net = cloud.server.network(netId ?? "");
  if (net === undefined || net.networkType === "local" || cloud.server.port(to.portId)?.networkId !== netId) return `${from.name} and ${to.name} are not on one network that leaves its host`;
  const dest = cloud.hostSpec(to.host);
  if (isTunnelType(net.networkType)) {
    const src = tunnelAddress(cloud, from.host);
    const dst = tunnelAddress(cloud, to.host);
    if (src === null || dst === null || !t.datapathActions.includes(`dst=${dst}`)) return `the packet does not leave ${from.host} through a tunnel to ${to.host}`;
    const sw = cloud.switchOf(to.host);
    const port = sw.ports(dest.agent.tunnelBridge).find((p) => p.type === net.networkType && (sw.get("Interface", p.name, "options") as Record<string, string> | null)?.["remote_ip"] === src);
    if (port === undefined) return `${to.host} has no ${net.networkType} tunnel port from ${src}`;
    return { bridge: dest.agent.tunnelBridge, flow: `in_port=${port.name},tun_id=0x${(net.segmentationId ?? 0).toString(16)},tun_src=${src},tun_dst=${dst},${inner}` };
  }
  const physnet = net.physicalNetwork ?? "";
  const out = ownValue(cloud.hostSpec(from.host).underlay?.physicalNics ?? {}, physnet);
  if (out === undefined || !t.outputs.some((o) => o.port === out)) return `the packet does not leave ${from.host} through its NIC on ${physnet}`;
  const nic = ownValue(dest.underlay?.physicalNics ?? {}, physnet) ?? "";
  const vlan = net.networkType === "vlan" ? `dl_vlan=${net.segmentationId ?? 0},` : "";
  return { bridge: ownValue(dest.agent.bridgeMappings, physnet) ?? "", flow: `in_port=${nic},${vlan}${inner}` };
}

/**
 * trace: `ovs-appctl ofproto/trace` of an ICMP echo request from a VM's tap
 * (printed as a `run` block would print it); when the destination VM is on
 * another host, the packet is traced again where it arrives there: on the
 * tunnel bridge from the tunnel port with its tunnel metadata, or on the
 * mapped bridge from the NIC with the provider VLAN. A packet that cannot
 * get there (no underlay, not sent that way) is said on stderr and fails
 * the step.
 */
export function trace(cloud: Cloud, step: CloudStep & { readonly op: "trace" }): boolean {
  const from = vmOf(cloud, step, step.from);
  const to = targetOf(cloud, step, step.to);
  const src = cloud.server.port(from.portId);
  const srcIp = ipv4Of(cloud, from);
  if (src === undefined || srcIp === undefined) throw new CloudStepError(step.index, step.op, `${from.name} has no IPv4 address`);
  const dstMac = to.vm === null ? undefined : cloud.server.port(to.vm.portId)?.mac;
  if (dstMac === undefined) throw new CloudStepError(step.index, step.op, `no VM has address ${to.ip} (trace needs the destination's MAC)`);
  const inner = `icmp,dl_src=${src.mac},dl_dst=${dstMac},nw_src=${srcIp},nw_dst=${to.ip},nw_ttl=64,icmp_type=8,icmp_code=0`;
  const t = traceBlock(cloud, from.host, cloud.hostSpec(from.host).agent.integrationBridge, `in_port=${src.name},${inner}`);
  if (t === null) return false;
  if (to.vm === null || to.vm.host === from.host) return true;
  const hop = nextHop(cloud, from, to.vm, t, inner);
  if (typeof hop === "string") {
    cloud.err(`ovsim cloud: step ${step.index} (trace): ${from.name} -> ${to.label}: ${hop}`);
    return false;
  }
  return traceBlock(cloud, to.vm.host, hop.bridge, hop.flow) !== null;
}
