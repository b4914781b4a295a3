/**
 * Ryu's throughput tests (groups, meters): `ingress.packets` sends a packet
 * (random fields drawn anew for each one) at `pktps` for `duration_time`
 * seconds; `egress.throughput` lists, per port the tester switch counts on,
 * the rate expected there. Here every packet goes through the switch's
 * datapath as bytes (switch-io.ts), evenly spaced on the virtual clock, so
 * meters refill and drop as dp_netdev_run_meter decides and select groups
 * pick buckets by dp_hash; the bytes and packets leaving each port are the
 * tester switch's flow counters.
 *
 * Verdict, as Ryu's tester.py _test_throughput_check: the measured count
 * must be within THROUGHPUT_TOLERANCE of rate * elapsed, kbps counted as
 * 1024 / 8 bytes per second per kbps (Ryu's `conv`; OVS's meters count
 * 1000 bits, so a meter at its rate measures 2.3% under, within tolerance).
 */
import type { Switch } from "../vswitchd/switch.js";
import type { Json } from "./openflow-json.js";
import { throughputPort } from "./openflow-json.js";
import { RyuCaseError, isObj, strings } from "./case-json.js";
import { parsePacket } from "./packet-desc.js";
import { encodePacket } from "./packet-encode.js";
import type { SwitchIo } from "./switch-io.js";
import type { RandInt } from "./py-expr.js";

/**
 * Packets per throughput test at most. The corpus asks for up to 525,000
 * (17,500 packets/s for 30 s); a longer run is shortened (same rate), which
 * overstates a meter's initial burst allowance.
 */
export const MAX_THROUGHPUT_PACKETS = 600_000;
/** Ryu's tester accepts a measured rate within 10% of the expected one. */
export const THROUGHPUT_TOLERANCE = 0.1;
/** Ryu's kbps: 1024 bits (tester.py `conv = 1024 / 8`, bytes per kbps-second). */
const BYTES_PER_KBPS_SECOND = 1024 / 8;

function num(v: Json | undefined): number {
  return typeof v === "number" ? v : 0;
}

export function checkThroughputTest(sw: Switch, io: SwitchIo, t: { readonly [k: string]: Json }, rand: RandInt): string {
  const ing = t["ingress"];
  const pk = isObj(ing) ? ing["packets"] : undefined;
  const eg = t["egress"];
  const through = isObj(eg) ? eg["throughput"] : undefined;
  if (!isObj(pk) || !Array.isArray(through)) throw new RyuCaseError("throughput test without ingress.packets or egress.throughput");
  const data = strings(pk["data"], "ingress.packets.data");
  const pktps = num(pk["pktps"]);
  const n = Math.min(Math.floor(pktps * num(pk["duration_time"])), MAX_THROUGHPUT_PACKETS);
  if (n <= 0) throw new RyuCaseError("throughput test without a rate or duration");
  const seconds = n / pktps;
  const bytes = new Map<number, number>();
  const packets = new Map<number, number>();
  const start = sw.now;
  // A packet without random fields is the same every time: encoded once.
  const fixed = data.some((d) => d.includes("randint")) ? null : encodePacket(parsePacket(data, rand));
  for (let k = 0; k < n; k++) {
    const at = start + (k * 1000) / pktps;
    if (at > sw.now) sw.advanceClock(at - sw.now);
    for (const e of io.send(fixed ?? encodePacket(parsePacket(data, rand)))) {
      if (e.kind !== "output") continue;
      bytes.set(e.ofport, (bytes.get(e.ofport) ?? 0) + e.bytes.length);
      packets.set(e.ofport, (packets.get(e.ofport) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const e of through) {
    if (!isObj(e)) continue;
    const port = throughputPort(e);
    if (port === null) throw new RyuCaseError(`throughput entry without in_port: ${JSON.stringify(e)}`);
    const kbps = typeof e["kbps"] === "number";
    const rate = kbps ? num(e["kbps"]) : num(e["pktps"]);
    const expected = rate * seconds * (kbps ? BYTES_PER_KBPS_SECOND : 1);
    const measured = kbps ? (bytes.get(port) ?? 0) : (packets.get(port) ?? 0);
    if (Math.abs(measured - expected) > expected * THROUGHPUT_TOLERANCE) {
      const unit = kbps ? "kbps" : "pktps";
      problems.push(`port ${port}: expected ${rate} ${unit}, measured ${(measured / seconds / (kbps ? BYTES_PER_KBPS_SECOND : 1)).toFixed(0)} ${unit}`);
    }
  }
  return problems.length === 0 ? "" : `Received unexpected throughput: ${problems.join("; ")}`;
}
