/**
 * The flow as OVS's `ofpacts_check` sees it while walking a list of actions:
 * the match's values, edited by the actions that change what later actions may
 * assume (push/pop VLAN, set vlan_tci). OVS edits `match->flow` in place and
 * restores it afterwards; ovsim works on a copy.
 *
 * OVS keeps two VLAN headers (FLOW_MAX_VLAN_HEADERS); the match has one TCI,
 * the second (inner) one starts empty.
 */
import type { Prereq } from "../flowtable/fields.js";
import { M, readSmall, writeMember } from "../flowtable/flow-layout.js";
import type { Match } from "../flowtable/match.js";
import { prereqOk } from "../flowtable/prereqs.js";

export const VLAN_CFI = 0x1000;

export class FlowView {
  /** Match values (already masked), in the flow layout. */
  readonly key: Uint32Array;
  /** The inner VLAN header's TCI (0: none). */
  innerTci: number;

  private constructor(key: Uint32Array, innerTci: number) {
    this.key = key;
    this.innerTci = innerTci;
  }

  static of(match: Match): FlowView {
    return new FlowView(match.key.slice(), 0);
  }

  copy(): FlowView {
    return new FlowView(this.key.slice(), this.innerTci);
  }

  get dlType(): number {
    return readSmall(this.key, M.dlType);
  }

  set dlType(v: number) {
    writeMember(this.key, M.dlType, BigInt(v & 0xffff));
  }

  get nwProto(): number {
    return readSmall(this.key, M.nwProto);
  }

  set nwProto(v: number) {
    writeMember(this.key, M.nwProto, BigInt(v & 0xff));
  }

  get nwFrag(): number {
    return readSmall(this.key, M.nwFrag);
  }

  get ctState(): number {
    return readSmall(this.key, M.ctState);
  }

  get tci(): number {
    return readSmall(this.key, M.vlanTci);
  }

  set tci(v: number) {
    writeMember(this.key, M.vlanTci, BigInt(v & 0xffff));
  }

  get hasVlan(): boolean {
    return (this.tci & VLAN_CFI) !== 0;
  }

  get isIpAny(): boolean {
    return this.dlType === 0x0800 || this.dlType === 0x86dd;
  }

  prereqOk(p: Prereq): boolean {
    return prereqOk(p, this.key);
  }

  /** OVS's flow_push_vlan_uninit + marking the new header present. */
  pushVlan(): void {
    this.innerTci = this.tci;
    this.tci = VLAN_CFI;
  }

  /** OVS's flow_pop_vlan. */
  popVlan(): void {
    this.tci = this.innerTci;
    this.innerTci = 0;
  }
}
