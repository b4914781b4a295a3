/**
 * ct_label values: 128 bits kept as four 32-bit words, most significant
 * first (so no BigInt per packet), converted from and to the bigints of the
 * action structure and of text off the hot path.
 */
import type { OdpCtAction } from "../../actions/xlate/odp-ct.js";

/** The words of a 128-bit bigint, most significant first. */
export function labelWords(v: bigint): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn);
  return w;
}

/** The bigint of label words (null = 0). */
export function labelValue(w: Uint32Array | null): bigint {
  if (w === null) return 0n;
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(w[i]! >>> 0);
  return v;
}

export function labelIsZero(w: Uint32Array | null): boolean {
  return w === null || (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0);
}

/** A ct action's label value and mask as 8 words (value then mask), made once per action object. */
const actionLabels = new WeakMap<OdpCtAction, Uint32Array>();

export function actionLabelWords(a: OdpCtAction): Uint32Array | null {
  if (a.label === null) return null;
  let w = actionLabels.get(a);
  if (w === undefined) {
    w = new Uint32Array(8);
    w.set(labelWords(a.label.value), 0);
    w.set(labelWords(a.label.mask), 4);
    actionLabels.set(a, w);
  }
  return w;
}
