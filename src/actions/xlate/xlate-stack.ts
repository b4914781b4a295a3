/**
 * The stack of `push` / `pop` (OVS's ctx->stack, nx_stack_push / nx_stack_pop
 * in lib/nx-match.c, xlate_ofpact_stack_pop in ofproto-dpif-xlate.c).
 *
 * One stack per translation. A push stores the subfield's value in
 * ceil(n_bits / 8) bytes followed by a length byte; a pop takes the top
 * value whatever its width: its low bytes go into the destination subfield
 * (a narrower value is zero-extended, a wider one keeps its low bits). A pop
 * on an empty stack changes nothing and reports `stack underflow`; translation
 * goes on.
 *
 * Where the stack is shared (OVS 3.1.0): resubmit and goto_table see the same
 * stack; clone (and check_pkt_larger) run on a copy, thrown away afterwards;
 * a patch port's peer bridge starts with an empty stack and the caller's comes
 * back afterwards; group buckets are action sets, which drop push and pop (a
 * resubmit from a bucket shares the stack); freezing (conntrack recirculation,
 * select groups) keeps it in the frozen state and the thawed translation
 * resumes with it. The byte count is OVS's `stack.size`: a resubmit with
 * 64 kB or more on the stack fails with "resubmits yielded over 64 kB of stack"
 * (XLATE_STACK_TOO_DEEP), which is what bounds a pushing loop besides the
 * resubmit limits.
 *
 * Both actions un-wildcard their subfield in the megaflow: a push read it, a
 * pop overwrote it (OVS's mf_write_subfield_flow of the exact-match mask).
 */
import { allOnes } from "../../flowtable/field-values.js";
import type { Subfield } from "../../flowtable/subfield.js";
import { maskSubfield, readSubfield, writeSubfield } from "./xlate-fields.js";

/** OVS's check in xlate_resubmit_resource_check: stack bytes at which a resubmit fails. */
export const MAX_STACK_BYTES = 65536;

/** One pushed value and the bytes it was pushed with (ceil(n_bits / 8)). */
export interface StackEntry {
  readonly value: bigint;
  readonly width: number;
}

export class XlateStack {
  /** Bottom first. */
  private readonly entries: StackEntry[];
  /** OVS's stack.size: each value's bytes plus its length byte. */
  bytes: number;

  constructor(entries: readonly StackEntry[] = []) {
    this.entries = entries.slice();
    this.bytes = 0;
    for (const e of entries) this.bytes += e.width + 1;
  }

  push(value: bigint, width: number): void {
    this.entries.push({ value, width });
    this.bytes += width + 1;
  }

  /** The top value, or null when the stack is empty. */
  pop(): bigint | null {
    const e = this.entries.pop();
    if (e === undefined) return null;
    this.bytes -= e.width + 1;
    return e.value;
  }

  /** The values, bottom first: what a frozen state keeps (and a copy starts from). */
  contents(): readonly StackEntry[] {
    return this.entries.slice();
  }
}

/** A key for frozen states: two states with equal stacks may share a recirculation id. */
export function stackKey(entries: readonly StackEntry[]): string {
  return entries.map((e) => `${e.width}:${e.value.toString(16)}`).join(" ");
}

/** OVS's nxm_execute_stack_push. */
export function stackPush(stack: XlateStack, sf: Subfield, flow: Uint32Array, wc: Uint32Array): void {
  maskSubfield(wc, sf);
  stack.push(readSubfield(flow, sf), Math.ceil(sf.nBits / 8));
}

/** OVS's nxm_execute_stack_pop: false on an empty stack (nothing changes). */
export function stackPop(stack: XlateStack, sf: Subfield, flow: Uint32Array, wc: Uint32Array): boolean {
  const v = stack.pop();
  if (v === null) return false;
  maskSubfield(wc, sf);
  writeSubfield(flow, sf, v & allOnes(sf.nBits));
  return true;
}
