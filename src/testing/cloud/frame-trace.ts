/**
 * The cross-host trace of one frame: what a failing property shows beside
 * its replay file, so that the flow at fault is in front of the reader.
 *
 * The frame is traced where it entered the cloud (`ofproto/trace` of the
 * integration bridge, from the sender's tap, with the frame's bytes), and,
 * when its datapath actions send it toward the receiver's host, again where
 * it arrives there: through a tunnel (the `set(tunnel(...))` before the
 * output names tun_id, source and destination: traced on the receiver's
 * tunnel bridge from its tunnel port to the sender's address, with that
 * metadata) or through a physical network (an output to the sender's NIC of
 * a physical network: traced on the receiver's mapped bridge from its NIC,
 * with the VLAN tag the frame was pushed with). One hop, as the cloud's
 * `trace` step; each block is printed as a `run` block prints
 * `ovs-appctl ofproto/trace`.
 *
 * Tracing with the packet's bytes has the side effects of translation
 * (MAC learning, learned flows), as `ofproto/trace` with a packet has:
 * trace a cloud only once its check has failed.
 */
import { ownValue } from "../../agent/own.js";
import type { Cloud, Vm } from "../../cloud/cloud.js";
import type { Trace } from "../../vswitchd/trace.js";
import { hex } from "./violation.js";

interface Hop {
  readonly bridge: string;
  readonly flow: string;
  readonly bytes: Uint8Array;
}

/** `ofproto/trace` of `bytes` sent by `from`, followed to `toHost` when it goes there; the printed lines. */
export function traceFrame(cloud: Cloud, from: Vm, bytes: Uint8Array, toHost: string | null): string[] {
  const out: string[] = [];
  const port = cloud.server.port(from.portId);
  if (port === undefined) return [`(${from.name}'s port is gone: nothing to trace)`];
  const first = block(cloud, from.host, { bridge: cloud.hostSpec(from.host).agent.integrationBridge, flow: `in_port=${port.name}`, bytes }, out);
  if (first === null || toHost === null || toHost === from.host) return out;
  const hop = nextHop(cloud, from.host, toHost, first, bytes);
  if (hop === null) out.push(`(the datapath actions on ${from.host} send nothing toward ${toHost})`);
  else block(cloud, toHost, hop, out);
  return out;
}

function block(cloud: Cloud, host: string, hop: Hop, out: string[]): Trace | null {
  out.push(`### ${host}: ovs-appctl ofproto/trace ${hop.bridge} ${hop.flow} ${hex(hop.bytes)}`);
  try {
    const t = cloud.switchOf(host).trace(hop.bridge, hop.flow, { packet: hop.bytes });
    out.push(...t.text);
    return t;
  } catch (e) {
    out.push(`(trace failed: ${e instanceof Error ? e.message : String(e)})`);
    return null;
  }
}

/** Where the traced frame arrives on `toHost`, or null when it is not sent there. */
function nextHop(cloud: Cloud, fromHost: string, toHost: string, t: Trace, bytes: Uint8Array): Hop | null {
  const dest = cloud.hostSpec(toHost);
  const destAddress = (dest.underlay?.address ?? dest.agent.localIp ?? "").split("/")[0] ?? "";
  const text = t.datapathActions;
  for (const m of text.matchAll(/set\(tunnel\(tun_id=(0x[0-9a-f]+),src=([^,)]+),dst=([^,)]+)/g)) {
    if (m[3] !== destAddress) continue;
    const src = m[2] ?? "";
    // The output this tunnel metadata goes with: the first bare port number after it.
    const odpPort = text.slice((m.index ?? 0) + m[0].length).split(",").find((tok) => /^\d+$/.test(tok));
    const vport = t.outputs.find((o) => o.odpPort === Number(odpPort));
    const type = vport?.port === null || vport?.port === undefined ? null : cloud.switchOf(fromHost).get("Interface", vport.port, "type");
    const sw = cloud.switchOf(toHost);
    const tunnel = sw.ports(dest.agent.tunnelBridge).find((p) => (type === null || p.type === type) && (sw.get("Interface", p.name, "options") as Record<string, string> | null)?.["remote_ip"] === src);
    if (tunnel === undefined) return null;
    return { bridge: dest.agent.tunnelBridge, flow: `in_port=${tunnel.name},tun_id=${m[1] ?? "0"},tun_src=${src},tun_dst=${destAddress}`, bytes };
  }
  const nics = cloud.hostSpec(fromHost).underlay?.physicalNics ?? {};
  for (const [physnet, nic] of Object.entries(nics)) {
    const o = t.outputs.find((x) => x.port === nic);
    const destNic = dest.underlay === null ? undefined : ownValue(dest.underlay.physicalNics, physnet);
    const bridge = ownValue(dest.agent.bridgeMappings, physnet);
    if (o === undefined || destNic === undefined || bridge === undefined) continue;
    const vid = vlanAtOutput(text, o.odpPort);
    return { bridge, flow: `in_port=${destNic}`, bytes: vid === null ? bytes : tagged(bytes, vid) };
  }
  return null;
}

/** The VLAN the datapath actions `text` have pushed (and not popped) when they output to `odpPort`; null: untagged. */
function vlanAtOutput(text: string, odpPort: number): number | null {
  let vid: number | null = null;
  for (const tok of text.split(",")) {
    if (tok === String(odpPort)) return vid;
    if (tok.startsWith("push_vlan(vid=")) vid = Number(/vid=(\d+)/.exec(tok)?.[1] ?? 0);
    else if (tok === "pop_vlan") vid = null;
  }
  return vid;
}

/** `bytes` with an 802.1Q tag of `vid` after the MAC addresses. */
function tagged(bytes: Uint8Array, vid: number): Uint8Array {
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes.subarray(0, 12), 0);
  out.set([0x81, 0x00, (vid >> 8) & 0x0f, vid & 0xff], 12);
  out.set(bytes.subarray(12), 16);
  return out;
}
