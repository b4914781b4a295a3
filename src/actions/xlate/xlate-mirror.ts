/**
 * Port mirroring in translation (OVS 3.1.0's mirror_packet and
 * mirror_ingress_packet in ofproto/ofproto-dpif-xlate.c, over the mirror
 * bitmaps of ofproto/ofproto-dpif-mirror.c).
 *
 * What a bridge's mirrors are to translation (`XlateMirrors`): up to 32
 * mirrors, each a bit; per port, the mirrors that select packets it receives
 * (`srcMirrors`), that select packets sent to it (`dstMirrors`), and that
 * output to it (`outMirrors`). A mirror outputs to one port (SPAN) or to a
 * VLAN (RSPAN: every port that carries the VLAN and is no mirror's output).
 *
 * When a packet is mirrored, in OVS's order:
 * - ingress: once a rule matched and before its actions run, the packet is
 *   mirrored by its input port's source mirrors, so a mirror's copy comes
 *   before the normal outputs in the datapath actions (`3,2`);
 * - egress: right after each datapath output to a port (compose_output_action,
 *   after the `output` itself: `2,3`), by that port's destination mirrors,
 *   seeing the packet as it left (its VLAN headers for that port).
 * The copy goes out as NORMAL's output_normal sends a frame: the VLAN the
 * packet is in inside the bridge (its input port's mode, xlate-normal.ts)
 * rewritten for the output port's mode; an output VLAN mirror first moves the
 * packet into that VLAN (`push_vlan(vid=12,pcp=0),100,1,2,pop_vlan`), and
 * does nothing for a packet already in it or sent to a reserved MAC.
 *
 * Invariants:
 * - `ctx.mirrors` holds the mirrors this packet already went to, with every
 *   mirror that has the same output (dup_mirrors): a packet reaches each
 *   mirror output at most once per bridge, however many ports it leaves by.
 *   A patch port's peer bridge starts with none and its outcome does not
 *   leak back (its mirrors are its own); a frozen translation keeps them.
 * - A mirror that selects VLANs (select_vlan) makes the outer VLAN's VID and
 *   CFI part of the megaflow whether or not it selected the packet.
 * - `ctx.mirrorSnaplen` is the mirror's snaplen only while its copy is being
 *   output: each datapath output then gets `trunc(N)` first (unless N is 0 or
 *   65535, i.e. whole packets), and ports the datapath has not (patch ports)
 *   are skipped with OVS's warning. The datapath applies a trunc to the next
 *   output only, so the normal outputs after it carry the whole packet.
 * - Counters: with stats (a real packet, or a revalidator pushing a
 *   megaflow's), every mirror used counts the packets and bytes.
 *
 * OVS 3.1.0 does not mirror again after the packet is modified (branch-3.1's
 * later reset_mirror_ctx does): a `mod_vlan_vid` then an output to a
 * selected port still mirrors once, the recordings show.
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_CONTROLLER, OFPP_NONE } from "../../flowtable/ports.js";
import type { XlateCtx } from "./xlate-context.js";
import type { Bundle } from "./xlate-normal.js";
import { bundleOf, extractXvlan, includesVlan, inputTranslate, inputVidIsValid, isReservedMac, NONE_BUNDLE, outputNormal } from "./xlate-normal.js";

/** OVS's MAX_MIRRORS: the mirror bitmaps are 32 bits wide. */
export const MAX_MIRRORS = 32;

/** One mirror as translation reads it (OVS's mirror_get). */
export interface XlateMirror {
  /** Its bit in the masks (OVS's mirror idx). */
  readonly index: number;
  /** select_vlan: the VLANs it selects, null for all. */
  readonly vlans: ReadonlySet<number> | null;
  /** The mirrors with the same output as this one, this one included (OVS's dup_mirrors). */
  readonly dupMirrors: number;
  /** output_port: the OpenFlow port of the port it outputs to, null for an output VLAN mirror. */
  readonly outPort: number | null;
  /** output_vlan, or -1 when it outputs to a port. */
  readonly outVlan: number;
  /** snaplen: bytes of each mirrored packet kept, 0 for all of it. */
  readonly snaplen: number;
}

/** A bridge's mirrors (OVS's struct mbridge), as translation sees them. */
export interface XlateMirrors {
  /** The mirror with bit `index`, or undefined. */
  mirror(index: number): XlateMirror | undefined;
  /** Mirrors selecting packets received on OpenFlow port `ofport` (select_src_port, select_all). */
  srcMirrors(ofport: number): number;
  /** Mirrors selecting packets output to `ofport` (select_dst_port, select_all). */
  dstMirrors(ofport: number): number;
  /** Mirrors whose output port is `ofport`. */
  outMirrors(ofport: number): number;
  /** Credits the mirrors of `mask` with packets and bytes sent (mirror_update_stats). */
  count(mask: number, packets: number, bytes: number): void;
}

/** Lowest set bit's index (OVS's raw_ctz) of a non-zero 32-bit mask. */
function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

const VLAN_CFI = 0x1000;
const VLAN_VID_MASK = 0x0fff;

/** The bundle a packet received on `inPort` arrived by (lookup_input_bundle), or null with OVS's error. */
function inputBundle(ctx: XlateCtx, inPort: number): Bundle | null {
  const p = ctx.bridge.port(inPort);
  if (p !== undefined) return bundleOf(p);
  if (inPort === OFPP_CONTROLLER || inPort === OFPP_NONE) return NONE_BUNDLE;
  ctx.reportError(`received packet on unknown port ${inPort}`);
  return null;
}

/**
 * OVS's mirror_packet: sends the packet, received on or sent to `bundle`, to
 * the mirrors of `candidates` it has not been to yet.
 */
export function mirrorPacket(ctx: XlateCtx, bundle: Bundle, candidates: number): void {
  const mirrors = ctx.bridge.mirrors;
  if (mirrors === undefined || mirrors === null) return;
  const api = {
    flow: ctx.flow,
    output: (ofport: number): void => ctx.composeOutput(ofport, false),
    note: (kind: "detail" | "warn" | "error", text: string): void => void ctx.report(kind, text),
  };
  const inX = extractXvlan(ctx.flow);
  if (!inputVidIsValid(api, inX[0].vid, bundle)) return;
  const x = inputTranslate(bundle, inX);
  let todo = (candidates & ~ctx.mirrors) >>> 0;
  let used = 0;
  while (todo !== 0) {
    const bit = (todo & -todo) >>> 0;
    const m = mirrors.mirror(lowestBit(todo));
    if (m === undefined) {
      todo = (todo & ~bit) >>> 0;
      continue;
    }
    if (m.vlans !== null) ctx.wc[M.vlanTci.word] = ((ctx.wc[M.vlanTci.word] ?? 0) | ((VLAN_CFI | VLAN_VID_MASK) << M.vlanTci.shift)) >>> 0;
    if (m.vlans !== null && !m.vlans.has(x[0].vid)) {
      todo = (todo & ~bit) >>> 0;
      continue;
    }
    used = (used | bit) >>> 0;
    // Recorded now, so that the outputs below do not come back to these mirrors.
    ctx.mirrors = (ctx.mirrors | m.dupMirrors) >>> 0;
    ctx.mirrorSnaplen = m.snaplen;
    if (m.outPort !== null) {
      const out = ctx.bridge.port(m.outPort);
      if (out !== undefined) outputNormal(api, bundleOf(out), x);
    } else if (x[0].vid !== m.outVlan && !isReservedMac((ctx.flow[M.dlDst.word] ?? 0) * 2 ** 32 + (ctx.flow[M.dlDst.word + 1] ?? 0))) {
      const oldVid = x[0].vid;
      x[0].vid = m.outVlan;
      const bundles = ctx.bridge.bundles?.() ?? ctx.bridge.ports();
      for (const p of bundles) {
        const b = bundleOf(p);
        if (includesVlan(b, x) && mirrors.outMirrors(p.ofport) === 0) outputNormal(api, b, x);
      }
      x[0].vid = oldVid;
    }
    // The outputs may have mirrored the packet elsewhere: those mirrors are done too.
    todo = (todo & ~ctx.mirrors) >>> 0;
    ctx.mirrorSnaplen = 0;
  }
  if (used !== 0 && ctx.resubmitStats !== null) mirrors.count(used, ctx.resubmitStats.packets, ctx.resubmitStats.bytes);
}

/** OVS's mirror_ingress_packet: the packet by its input port's source mirrors. */
export function mirrorIngressPacket(ctx: XlateCtx): void {
  const mirrors = ctx.bridge.mirrors;
  if (mirrors === undefined || mirrors === null) return;
  const inPort = readSmall(ctx.flow, M.inPort);
  const bundle = inputBundle(ctx, inPort);
  if (bundle === null) return;
  mirrorPacket(ctx, bundle, bundle.port === null ? 0 : mirrors.srcMirrors(inPort));
}

/** OVS's mirror_packet after an output to `ofport`: the packet by the port's destination mirrors. */
export function mirrorEgressPacket(ctx: XlateCtx, ofport: number): void {
  const mirrors = ctx.bridge.mirrors;
  if (mirrors === undefined || mirrors === null) return;
  const p = ctx.bridge.port(ofport);
  if (p === undefined) return;
  mirrorPacket(ctx, bundleOf(p), mirrors.dstMirrors(ofport));
}

/** Whether a packet received on `ofport` is dropped because the port is a mirror's output. */
export function isMirrorOutput(ctx: XlateCtx, ofport: number): boolean {
  return (ctx.bridge.mirrors?.outMirrors(ofport) ?? 0) !== 0;
}
