/**
 * FLOOD / ALL and the NORMAL hook (OVS's flood_packets, xlate_normal entry).
 *
 * OVS floods in the iteration order of its port hash map (an `hmap` keyed by
 * `hash_int(ofport, 0)`), not in port-number order, and datapath actions
 * show that order. Every reconfiguration builds that map afresh
 * (xlate_txn_start copies the old configuration: xlate_xbundle_copy inserts
 * each bundle's ports in the order of the bridge's bundle list, and a new port
 * comes last), so the ports are inserted in bundle list order
 * (`XlateBridge.bundles`, NORMAL's order). `floodOrder` replays the xports hmap
 * (insert at the head of the bucket, grow and rehash as `hmap_insert` does)
 * from that order. A bridge without bundles takes LOCAL first, then ascending
 * port numbers. Checked against real OVS in fixtures/xlate/flood*.ovs and
 * fixtures/conformance/port-ofport-request.ovs (ports requested as 17, 3, then 1).
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_LOCAL } from "../../flowtable/ports.js";
import { NF_OUT_FLOOD } from "./xlate-netflow.js";
import { hashInt } from "../../flowtable/hash.js";
import { HmapOrder } from "../../flowtable/hmap-order.js";
import type { XlateBridge, XlateNormalApi, XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";


/** The ports of `bridge` in OVS's xports hmap iteration order (see above). */
export function floodOrder(bridge: XlateBridge): XlatePort[] {
  const ports = bridge.ports();
  const byOfport = new Map(ports.map((p) => [p.ofport, p]));
  const known = (bridge.bundles?.() ?? []).flatMap((b) => (byOfport.get(b.ofport) === b ? [b] : []));
  const listed = new Set(known);
  const rest = ports.filter((p) => !listed.has(p)).sort((a, b) => (a.ofport === OFPP_LOCAL ? -1 : b.ofport === OFPP_LOCAL ? 1 : a.ofport - b.ofport));
  const inserted = [...known, ...rest];
  const order = new HmapOrder<XlatePort>();
  for (const p of inserted) order.insert(p, hashInt(p.ofport, 0));
  return order.values();
}

/** OVS's flood_packets: every port but the input port (and, for FLOOD, but no-flood ports). */
export function flood(ctx: XlateCtx, all: boolean, last: boolean): void {
  const inPort = readSmall(ctx.flow, M.inPort);
  let prev: XlatePort | null = null;
  for (const p of floodOrder(ctx.bridge)) {
    if (p.ofport === inPort) continue;
    if (all || !p.noFlood) {
      if (prev !== null) ctx.composeOutput(prev.ofport, false);
      prev = p;
    }
  }
  if (prev !== null) ctx.composeOutput(prev.ofport, last);
  ctx.nfOutputIface = NF_OUT_FLOOD;
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
  outputBondRecirc(ofport: number, recircId: number, basis: number): void {
    this.ctx.bondRecirc = { recircId, basis };
    try {
      this.ctx.composeOutput(ofport, false);
    } finally {
      this.ctx.bondRecirc = null;
    }
  }
  flooded(): void {
    this.ctx.nfOutputIface = NF_OUT_FLOOD;
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
