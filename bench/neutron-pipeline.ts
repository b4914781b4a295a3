/*
 * The Neutron OVS agent's br-int / br-tun pipeline for a VM talking to a VM on another
 * hypervisor over VXLAN, built from fixtures/neutron/vxlan-vm-to-remote.ovs itself (the
 * script real OVS recorded, docs/neutron-pipeline.md): its lines up to "# --- traces" set
 * the switch up; the datapath keys are the local VM's frames to the remote VM.
 * Used by bench/neutron-path.bench.ts and checked by test/datapath/neutron-golden.test.ts.
 */
import { readFileSync } from "node:fs";
import { runLine } from "../src/utilities/run-script.js";
import { Switch } from "../src/vswitchd/switch.js";
import type { DpifNetdev } from "../src/datapath/dpif-netdev.js";
import { composedFlow } from "../src/datapath/flow-compose.js";
import { DP_KEY_WORDS } from "../src/datapath/megaflow-cache.js";
import { parseOdpFlow } from "../src/datapath/odp-flow-parse.js";
import { W } from "../src/flowtable/flow-layout.js";
import { uniformRandom } from "./packet-rate.js";

export const NEUTRON_SCRIPT = new URL("../fixtures/neutron/vxlan-vm-to-remote.ovs", import.meta.url);

/** The fixture's names for the two VMs and the local VM's port. */
export const VM = { port: "tap0a1b2c3d-4e", mac: "fa:16:3e:00:00:01", ip: "10.0.0.1" } as const;
export const REMOTE_VM = { mac: "fa:16:3e:00:00:02", ip: "10.0.0.2" } as const;

const TRACES_MARKER = "# --- traces";

/** The script's commands (comments and blank lines dropped), split at the traces marker. */
export function neutronScript(): { readonly setup: readonly string[]; readonly rest: readonly string[] } {
  const lines = readFileSync(NEUTRON_SCRIPT, "utf8").split("\n");
  const cut = lines.findIndex((l) => l.trim() === TRACES_MARKER);
  if (cut < 0) throw new Error(`${NEUTRON_SCRIPT.pathname}: no "${TRACES_MARKER}" line`);
  const commands = (ls: readonly string[]): string[] => ls.map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  return { setup: commands(lines.slice(0, cut)), rest: commands(lines.slice(cut + 1)) };
}

export interface NeutronPipeline {
  readonly world: Switch;
  /** The host's (one) userspace datapath, shared by br-phy, br-int and br-tun. */
  readonly dpif: DpifNetdev;
  /** The local VM port's datapath port number. */
  readonly vmOdpPort: number;
}

/**
 * The switch after the fixture's setup lines. With `learned`, the remote VM's frame that
 * the script receives over VXLAN (its `netdev-dummy/receive eth0` line) has arrived first,
 * as in a running conversation: br-int knows the remote MAC is behind patch-tun (unicast,
 * no flooding) and br-tun has learned it into table 20. Without, br-int floods.
 */
export function buildNeutronPipeline(learned: boolean): NeutronPipeline {
  const { setup, rest } = neutronScript();
  const reply = rest.find((l) => l.startsWith("ovs-appctl netdev-dummy/receive eth0 "));
  if (reply === undefined) throw new Error("the fixture has no VXLAN frame from the remote host");
  const world = new Switch();
  for (const line of learned ? [...setup, reply] : setup) {
    const r = runLine(world, line);
    if (!r.ok) throw new Error(`neutron pipeline setup failed: ${line}\n${r.stderr.join("\n")}`);
  }
  const dp = world.ofproto("br-int")?.datapath;
  const vmOdpPort = world.bridge("br-int")?.portByName(VM.port)?.odpPort ?? null;
  if (dp === undefined || vmOdpPort === null) throw new Error("no br-int datapath or VM port");
  return { world, dpif: world.datapaths.dpif(dp), vmOdpPort };
}


/** A few services a VM talks to, as destination ports. */
const SERVICE_PORTS = [22, 53, 80, 443, 3306, 5201, 6379, 8080] as const;

/**
 * `n` datapath keys of the VM's frames to the remote VM on `inPort`: TCP or UDP, a random
 * source port and a service port, the same two MAC and IP addresses (one VM pair).
 */
export function vmToRemoteKeys(n: number, inPort: number, seed = 42): Uint32Array[] {
  const r = uniformRandom(seed);
  const out: Uint32Array[] = [];
  for (let i = 0; i < n; i++) {
    const tcp = r() < 0.5;
    const src = 1024 + Math.floor(r() * 64000);
    const dst = SERVICE_PORTS[Math.floor(r() * SERVICE_PORTS.length)] ?? 80;
    const text =
      `in_port(${inPort}),eth(src=${VM.mac},dst=${REMOTE_VM.mac}),eth_type(0x0800),` +
      `ipv4(src=${VM.ip},dst=${REMOTE_VM.ip},proto=${tcp ? 6 : 17},tos=0,ttl=64,frag=no),` +
      `${tcp ? "tcp" : "udp"}(src=${src},dst=${dst})`;
    const p = parseOdpFlow(text, new Map());
    if (!p.ok) throw new Error(p.error);
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(composedFlow(p.flow, inPort).subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = inPort;
    out.push(key);
  }
  return out;
}
