/**
 * FLOOD / ALL and the NORMAL hook (OVS's flood_packets, xlate_normal entry).
 *
 * OVS floods in the iteration order of its port hash map (an `hmap` keyed by
 * `hash_int(ofport, 0)`), not in port-number order, and datapath actions
 * show that order. `floodOrder` replays OVS's hmap (insert at the head of the
 * bucket, grow and rehash as `hmap_insert` does) with the ports inserted in
 * creation order, taken to be LOCAL first and then ascending port numbers
 * (true for ports added one by one with ascending numbers; checked against
 * real OVS in fixtures/xlate/flood*.ovs).
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_LOCAL } from "../../flowtable/ports.js";
import { hashInt } from "../../flowtable/hash.js";
import { HmapOrder } from "../../flowtable/hmap-order.js";
import type { XlateNormalApi, XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";


/** Ports in OVS's xports hmap iteration order (see above). */
export function floodOrder(ports: readonly XlatePort[]): XlatePort[] {
  const inserted = [...ports].sort((a, b) => (a.ofport === OFPP_LOCAL ? -1 : b.ofport === OFPP_LOCAL ? 1 : a.ofport - b.ofport));
  const order = new HmapOrder<XlatePort>();
  for (const p of inserted) order.insert(p, hashInt(p.ofport, 0));
  return order.values();
}

/** OVS's flood_packets: every port but the input port (and, for FLOOD, but no-flood ports). */
export function flood(ctx: XlateCtx, all: boolean, last: boolean): void {
  const inPort = readSmall(ctx.flow, M.inPort);
  let prev: XlatePort | null = null;
  for (const p of floodOrder(ctx.bridge.ports())) {
    if (p.ofport === inPort) continue;
    if (all || !p.noFlood) {
      if (prev !== null) ctx.composeOutput(prev.ofport, false);
      prev = p;
    }
  }
  if (prev !== null) ctx.composeOutput(prev.ofport, last);
}

/** The NORMAL hook's view of a translation. */
class NormalApi implements XlateNormalApi {
  private readonly ctx: XlateCtx;
  constructor(ctx: XlateCtx) {
    this.ctx = ctx;
  }
  get bridge(): XlateCtx["bridge"] {
    return this.ctx.bridge;
  }
  get flow(): Uint32Array {
    return this.ctx.flow;
  }
  get wc(): Uint32Array {
    return this.ctx.wc;
  }
  get allowSideEffects(): boolean {
    return this.ctx.allowSideEffects;
  }
  get now(): number {
    return this.ctx.now;
  }
  output(ofport: number): void {
    this.ctx.composeOutput(ofport, false);
  }
  note(kind: "detail" | "warn" | "error", text: string): void {
    this.ctx.report(kind, text);
  }
}

/** OFPP_NORMAL: the bridge's hook, or a drop with a trace note when the bridge has none. */
export function xlateNormal(ctx: XlateCtx): void {
  const normal = ctx.bridge.normal;
  if (normal === undefined) {
    ctx.report("warn", "NORMAL is not implemented by this bridge");
    return;
  }
  normal.call(ctx.bridge, new NormalApi(ctx));
}
