/**
 * Security-group rules to flows (neutron/agent/linux/openvswitch_firewall/
 * rules.py).
 *
 * A rule becomes flows in the rules tables: ingress rules in table 82
 * (accept = `output:PORT`), egress rules in table 72 (accept =
 * `resubmit(,73)`). Each accepting flow comes twice (create_accept_flows):
 * for `+est-rel-rpl` packets, and for `+new-est` ones, where ingress also
 * commits the connection and tells table 92.
 *
 * Priorities: 70 + an offset (flow_priority_offset) so that more specific
 * rules win where several match: +4 for a plain rule (+0 for a remote-group
 * one, whose flows are conjunctions), then +1 for ICMP without a type, +2
 * with a type only, +3 for anything else with a protocol (type and code, or
 * ports). A remote-group rule's conj_id encodes its offset too: ids come in
 * blocks of 8 per (group, remote group, direction, ethertype), base + 2 ×
 * offset, and the `+new-est` twin takes base + 1.
 *
 * Remote groups: the port side of the conjunction (dimension 2/2: the rule's
 * protocol and ports, `reg5=PORT`) and the address side (1/2: each member's
 * address on the network, `reg6=VLAN`) meet in a `conj_id=ID` flow that
 * accepts, storing the id in reg7 (create_conj_flows).
 */
import type { Direction, Ethertype } from "./constants.js";
import {
  ACCEPT_OR_INGRESS_TABLE,
  ACCEPTED_INGRESS_TRAFFIC_TABLE,
  DL_TYPE_OF_ETHERTYPE,
  OF_STATE_ESTABLISHED_NOT_REPLY,
  OF_STATE_NEW_NOT_ESTABLISHED,
  PORT_PROTOCOL_NAMES,
  PROTO_NUM_ICMP,
  PROTO_NUM_IPV6_ICMP,
  REG_NET,
  RULES_EGRESS_TABLE,
  RULES_INGRESS_TABLE,
} from "./constants.js";
import type { FlowSpec, FlowValue } from "./flow-spec.js";
import { cidrText, ipVersion, networkText, parseNetwork } from "./ip-address.js";
import { portRuleMasking } from "./port-masking.js";
import type { FwRule } from "./sg-rule.js";

/** The two states an accepting flow is written for: established (not a reply), and new. */
export const CT_STATES: readonly [string, string] = [OF_STATE_ESTABLISHED_NOT_REPLY, OF_STATE_NEW_NOT_ESTABLISHED];

/** A flow being built: rules.py's dict. */
interface Draft {
  table: number;
  priority: number;
  match: Record<string, FlowValue>;
  actions: string;
}

function copy(d: Draft): Draft {
  return { ...d, match: { ...d.match } };
}

/** The address field a prefix is matched with, by IP version and direction of the rule. */
function addressField(version: 4 | 6, direction: Direction): string {
  if (direction === "egress") return version === 4 ? "nw_dst" : "ipv6_dst";
  return version === 4 ? "nw_src" : "ipv6_src";
}

/** rules.is_valid_prefix: set, and not 0.0.0.0/0 or ::/0 (which need no match). */
export function isValidPrefix(prefix: string | undefined): prefix is string {
  if (prefix === undefined || prefix === "") return false;
  const text = networkText(prefix);
  return text !== "0.0.0.0/0" && text !== "::/0";
}

function isIcmp(protocol: number | string | undefined): boolean {
  return protocol === PROTO_NUM_ICMP || protocol === PROTO_NUM_IPV6_ICMP;
}

/** rules.flow_priority_offset: 0..7, see the essay above. */
export function flowPriorityOffset(rule: FwRule, conjunction = false): number {
  const conjOffset = rule.remoteGroupId !== undefined || conjunction ? 0 : 4;
  if (rule.protocol === undefined) return conjOffset;
  if (isIcmp(rule.protocol)) {
    if (rule.portRangeMin === undefined) return conjOffset + 1;
    if (rule.portRangeMax === undefined) return conjOffset + 2;
  }
  return conjOffset + 3;
}

/** The port a rule's flows are for: its ofport. */
export interface RulePort {
  readonly ofport: number;
}

/** rules.populate_flow_common: the direction's table and accept action. */
function withDirection(d: Draft, direction: Direction, port: RulePort): Draft {
  if (direction === "ingress") return { ...d, table: RULES_INGRESS_TABLE, actions: `output:${port.ofport}` };
  return { ...d, table: RULES_EGRESS_TABLE, actions: `resubmit(,${ACCEPT_OR_INGRESS_TABLE})` };
}

/** rules.create_flows_from_rule_and_port: a rule's flows for one port, before the ct_state split. */
export function createFlowsFromRuleAndPort(rule: FwRule, port: RulePort, conjunction = false): FlowSpec[] {
  const match: Record<string, FlowValue> = {
    dl_type: DL_TYPE_OF_ETHERTYPE[rule.ethertype],
    reg5: port.ofport,
    ...(isValidPrefix(rule.destIpPrefix) ? { [addressField(ipVersion(rule.destIpPrefix), "egress")]: rule.destIpPrefix } : {}),
    ...(isValidPrefix(rule.sourceIpPrefix) ? { [addressField(ipVersion(rule.sourceIpPrefix), "ingress")]: rule.sourceIpPrefix } : {}),
  };
  const template: Draft = { table: 0, priority: 70 + flowPriorityOffset(rule, conjunction), match, actions: "" };
  return createProtocolFlows(rule.direction, template, port, rule);
}

function createProtocolFlows(direction: Direction, template: Draft, port: RulePort, rule: FwRule): FlowSpec[] {
  const t = withDirection(copy(template), direction, port);
  if (rule.protocol !== undefined) t.match["nw_proto"] = rule.protocol;
  const flows = isIcmp(rule.protocol) ? createIcmpFlows(t, rule) : createPortRangeFlows(t, rule);
  return flows.length > 0 ? flows : [t];
}

/** rules.create_port_range_flows: one flow per value/mask of the destination (and source) range. */
function createPortRangeFlows(t: Draft, rule: FwRule): Draft[] {
  const proto = typeof rule.protocol === "number" ? PORT_PROTOCOL_NAMES[rule.protocol] : undefined;
  if (proto === undefined) return [];
  // Python truthiness: a 0 bound means no range
  const range = (min: number | undefined, max: number | undefined): string[] => (min && max ? portRuleMasking(min, max) : []);
  const dst = range(rule.portRangeMin, rule.portRangeMax);
  const src = range(rule.sourcePortRangeMin, rule.sourcePortRangeMax);
  const out: Draft[] = [];
  if (rule.sourcePortRangeMin && rule.sourcePortRangeMax) {
    for (const s of src) {
      const f = copy(t);
      f.match = { ...f.match, [`${proto}_src`]: s };
      if (dst.length === 0) out.push(f);
      for (const d of dst) {
        const g = copy(f);
        g.match = { ...g.match, [`${proto}_dst`]: d };
        out.push(g);
      }
    }
  } else {
    for (const d of dst) {
      const f = copy(t);
      f.match = { ...f.match, [`${proto}_dst`]: d };
      out.push(f);
    }
  }
  return out;
}

/** rules.create_icmp_flows: type from port_range_min, code from port_range_max. */
function createIcmpFlows(t: Draft, rule: FwRule): Draft[] {
  if (rule.portRangeMin === undefined) return [];
  const f = copy(t);
  f.match["icmp_type"] = rule.portRangeMin;
  if (rule.portRangeMax !== undefined) f.match["icmp_code"] = rule.portRangeMax;
  return [f];
}

/** rules.create_accept_flows: the `+est-rel-rpl` flow and the `+new-est` one (ingress: commit, output, tell table 92). */
export function createAcceptFlows(flow: FlowSpec): [FlowSpec, FlowSpec] {
  const est: FlowSpec = { ...flow, match: { ...flow.match, ct_state: CT_STATES[0] } };
  const actions =
    flow.table === RULES_INGRESS_TABLE
      ? `ct(commit,zone=NXM_NX_REG${REG_NET}[0..15]),${flow.actions},resubmit(,${ACCEPTED_INGRESS_TRAFFIC_TABLE})`
      : flow.actions;
  return [est, { ...flow, match: { ...flow.match, ct_state: CT_STATES[1] }, actions }];
}

/** rules.substitute_conjunction_actions: each flow for both states, acting `conjunction(ID+i,DIM/2)` for every id. */
export function substituteConjunctionActions(flows: readonly FlowSpec[], dimension: 1 | 2, conjIds: readonly number[]): FlowSpec[] {
  return flows.flatMap((f) =>
    [0, 1].map((i) => ({
      ...f,
      match: { ...f.match, ct_state: CT_STATES[i as 0 | 1] },
      actions: conjIds.map((s) => `conjunction(${s + i},${dimension}/2)`).join(","),
    })),
  );
}

/** The priority offset a conj_id carries (ids are base + 2 × offset, base a multiple of 8). */
export function priorityOffsetOfConjId(conjId: number): number {
  return Math.floor((conjId % 8) / 2);
}

/** A remote group's member address: an IP or CIDR, and a MAC (null or "" for a fixed IP). */
export interface MemberAddress {
  readonly ip: string;
  readonly mac: string | null;
}

/** rules.create_flows_for_ip_address: the address side (1/2) of the conjunctions of `conjIds` on one network. */
export function createFlowsForIpAddress(
  addr: MemberAddress,
  direction: Direction,
  ethertype: Ethertype,
  vlanTag: number,
  conjIds: readonly number[],
): FlowSpec[] {
  const net = parseNetwork(addr.ip);
  const byOffset: number[][] = [[], [], [], []];
  for (const id of conjIds) byOffset[priorityOffsetOfConjId(id)]?.push(id);
  const prefix = cidrText(addr.ip);
  const match: Record<string, FlowValue> = { dl_type: DL_TYPE_OF_ETHERTYPE[ethertype], reg6: vlanTag, [addressField(net.version, direction)]: prefix };
  // an any-address member (a /0 allowed address pair) is told apart by its MAC
  if (net.prefixlen === 0 && addr.mac) match["dl_src"] = addr.mac;
  const table = direction === "egress" ? RULES_EGRESS_TABLE : RULES_INGRESS_TABLE;
  return byOffset.flatMap((ids, offset) =>
    ids.length === 0 ? [] : substituteConjunctionActions([{ table, priority: 70 + offset, match, actions: "" }], 1, ids),
  );
}

/** rules.create_conj_flows: the accepting flows of conjunction `conjId` (and its `+new-est` twin conjId + 1) for a port. */
export function createConjFlows(port: RulePort, conjId: number, direction: Direction, ethertype: Ethertype): [FlowSpec, FlowSpec] {
  const template: Draft = {
    table: 0,
    priority: 70 + priorityOffsetOfConjId(conjId),
    // reg5 is redundant with the 2/2 flows; it lets the port's flows be deleted by reg5
    match: { conj_id: conjId, dl_type: DL_TYPE_OF_ETHERTYPE[ethertype], reg5: port.ofport },
    actions: "",
  };
  const [est, neu] = createAcceptFlows(withDirection(template, direction, port));
  return [est, { ...neu, match: { ...neu.match, conj_id: conjId + 1 } }];
}
