/*
 * `npm run soak [-- --packets N] [--sample N]`: a soak run (docs/reliability.md, "Soak"), not a
 * test. Pushes N frames (default 10 million) through a two-host VXLAN cloud whose br-tun learns
 * (l2population off) and samples the heap as it goes: the heap must level off.
 *
 * The cloud: hosts hv1 and hv2 joined by an underlay, one VXLAN network, VM a on hv1 and VM b on
 * hv2, port security off on a (so that it may send from any MAC). a sends UDP frames to b from a
 * source MAC that changes every 100 frames, on a virtual clock that moves 1 ms a frame: br-int
 * learns each MAC, and hv2's br-tun table 10 learns a flow for each (hard_timeout=300), so flows
 * and MAC entries are created and expire all the time (about 3,000 live learned flows at once),
 * megaflows are installed and revalidated away. b's recording of received frames (a test
 * endpoint keeps every frame) is emptied at each sample; everything else is the simulation's own.
 *
 * Prints one line per sample: frames so far, virtual seconds, learned flows on hv2's br-tun, MAC
 * entries on hv1's br-int, megaflows, heap used after GC (node --expose-gc), and frames per second.
 */
import { createCloud } from "../src/cloud/cloud.js";
import { buildUdp4 } from "../src/datapath/packet/build.js";

const args = process.argv.slice(2);
function option(name: string, def: number): number {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`soak: ${name} wants a positive integer, got ${args[i + 1] ?? "nothing"}`);
  return n;
}
const PACKETS = option("--packets", 10_000_000);
const SAMPLE = option("--sample", 500_000);
/** Frames sent before the event loop runs (one virtual ms each). */
const BATCH = 100;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("soak: run with node --expose-gc (npm run soak does)");

const NET = "50a50a50-0000-4000-8000-000000000001";
const agent = (ip: string) => ({ local_ip: ip, tunnel_types: ["vxlan"], l2_population: false });
const cloud = createCloud({
  format: 1,
  description: "soak: two hosts, one VXLAN network, a learning br-tun",
  seed: 1,
  l2pop: "manual",
  hosts: [
    { name: "hv1", agent: agent("192.0.2.1"), underlay: {} },
    { name: "hv2", agent: agent("192.0.2.2"), underlay: {} },
  ],
  networks: [{ id: NET, name: "soak", network_type: "vxlan", segmentation_id: 4242, subnet: { id: "5b0b0b0b-0000-4000-8000-0000000000aa", cidr: "10.9.0.0/24" } }],
  ports: [
    { id: "a0a0a0a0-0000-4000-8000-000000000001", network_id: NET, host: "hv1", mac: "fa:16:3e:00:00:0a", fixed_ips: ["10.9.0.10"], port_security_enabled: false },
    { id: "b0b0b0b0-0000-4000-8000-000000000002", network_id: NET, host: "hv2", mac: "fa:16:3e:00:00:0b", fixed_ips: ["10.9.0.11"] },
  ],
  steps: [{ op: "plug_ports", ports: ["a0a0a0a0-0000-4000-8000-000000000001", "b0b0b0b0-0000-4000-8000-000000000002"] }],
});
if (!cloud.run().ok) throw new Error(`soak: the cloud did not start:\n${cloud.stdout.join("\n")}`);
const a = cloud.findVm("a0a0a0a0-0000-4000-8000-000000000001")?.endpoint;
const b = cloud.findVm("b0b0b0b0-0000-4000-8000-000000000002")?.endpoint;
if (a === undefined || a === null || b === undefined || b === null) throw new Error("soak: no VM endpoints");

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function learnedFlows(): number {
  return cloud.switchOf("hv2").dumpFlows("br-tun", "table=20").filter((f) => f.hardTimeout === 300).length;
}

console.log("frames     virtual s  learned  macs  megaflows  heap MB  frames/s");
const started = process.hrtime.bigint();
let lastTime = started;
let lastSent = 0;
for (let sent = 0; sent < PACKETS; ) {
  for (let i = 0; i < BATCH && sent < PACKETS; i++, sent++) {
    const mac = 0x020000000000 + Math.floor(sent / 100);
    a.send(buildUdp4({ src: mac, dst: b.mac }, { src: a.ip, dst: b.ip }, 5000, 6000).data());
  }
  cloud.sim.run(cloud.sim.nowMs + BATCH);
  if (sent % SAMPLE === 0 || sent === PACKETS) {
    b.received.length = 0;
    const now = process.hrtime.bigint();
    const rate = ((sent - lastSent) * 1e9) / Number(now - lastTime);
    lastTime = now;
    lastSent = sent;
    const macs = cloud.switchOf("hv1").bridge("br-int")?.macTable.list(cloud.sim.nowMs).length ?? 0;
    const megaflows = cloud.switchOf("hv2").datapaths.all().reduce((n, d) => n + d.cache.size, 0);
    console.log(
      `${String(sent).padStart(9)}  ${(cloud.sim.nowMs / 1000).toFixed(0).padStart(9)}  ${String(learnedFlows()).padStart(7)}  ${String(macs).padStart(4)}  ${String(megaflows).padStart(9)}  ${heapMb().toFixed(1).padStart(7)}  ${rate.toFixed(0).padStart(8)}`,
    );
  }
}
console.log(`soak: ${PACKETS} frames in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s`);
