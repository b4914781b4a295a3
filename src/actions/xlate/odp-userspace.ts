/**
 * The datapath `userspace(...)` action: send the packet up to ovs-vswitchd,
 * with a cookie saying why (OVS's `struct user_action_cookie`). Structured here
 * and printed as `format_odp_userspace_action` does:
 *
 *   userspace(pid=0,controller(reason=1,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535))
 *   userspace(pid=0,slow_path(action))
 *   userspace(pid=0,flow_sample(probability=65535,collector_set_id=1,obs_domain_id=0,obs_point_id=0,output_port=4294967295))
 */

/** Slow-path reasons (OVS's SLOW_* bits, in bit order), as printed. */
export const SLOW_PATH_REASONS = ["cfm", "bfd", "lacp", "stp", "lldp", "action", "match"] as const;
export type SlowPathReason = (typeof SLOW_PATH_REASONS)[number];

export type UserspaceCookie =
  | { readonly kind: "sflow"; readonly vid: number; readonly pcp: number; readonly output: number }
  | { readonly kind: "slow_path"; readonly reasons: readonly SlowPathReason[] }
  | {
      readonly kind: "flow_sample";
      readonly probability: number;
      readonly collectorSetId: number;
      readonly obsDomainId: number;
      readonly obsPointId: number;
      /** Datapath port, or 0xffffffff (ODPP_NONE). */
      readonly outputPort: number;
      readonly direction: "ingress" | "egress" | null;
      /** The bridge whose translation composed it (the cookie's ofproto_uuid; not printed). */
      readonly bridge?: string;
    }
  | {
      readonly kind: "ipfix";
      readonly outputPort: number;
      /** The bridge whose translation composed it (the cookie's ofproto_uuid; not printed). */
      readonly bridge?: string;
    }
  | {
      readonly kind: "controller";
      /** OFPR_* packet-in reason number. */
      readonly reason: number;
      readonly dontSend: boolean;
      readonly continuation: boolean;
      readonly recircId: number;
      readonly ruleCookie: bigint;
      readonly controllerId: number;
      readonly maxLen: number;
    }
  /** Any other userdata, printed as hex bytes. */
  | { readonly kind: "userdata"; readonly bytes: readonly number[] };

export interface OdpUserspaceAction {
  readonly type: "userspace";
  /** Netlink port id of the handler (0 in the userspace datapath). */
  readonly pid: number;
  readonly cookie: UserspaceCookie | null;
  /** OVS_USERSPACE_ATTR_ACTIONS: ask for the datapath actions too. */
  readonly actions: boolean;
  /** Datapath port of the egress tunnel, or null. */
  readonly tunnelOutPort: number | null;
}

function formatSlowPath(reasons: readonly SlowPathReason[]): string {
  if (reasons.length === 0) return "0";
  // format_flags walks the bits from the lowest: print in bit order.
  return SLOW_PATH_REASONS.filter((r) => reasons.includes(r)).join(",");
}

function formatCookie(c: UserspaceCookie): string {
  switch (c.kind) {
    case "sflow":
      return `sFlow(vid=${c.vid},pcp=${c.pcp},output=${c.output})`;
    case "slow_path":
      return `slow_path(${formatSlowPath(c.reasons)})`;
    case "flow_sample": {
      const dir = c.direction === null ? "" : `,${c.direction}`;
      return (
        `flow_sample(probability=${c.probability},collector_set_id=${c.collectorSetId}` +
        `,obs_domain_id=${c.obsDomainId},obs_point_id=${c.obsPointId},output_port=${c.outputPort}${dir})`
      );
    }
    case "ipfix":
      return `ipfix(output_port=${c.outputPort})`;
    case "controller": {
      const cookie = c.ruleCookie === 0n ? "0" : `0x${c.ruleCookie.toString(16)}`;
      return (
        `controller(reason=${c.reason},dont_send=${c.dontSend ? 1 : 0},continuation=${c.continuation ? 1 : 0}` +
        `,recirc_id=${c.recircId},rule_cookie=${cookie},controller_id=${c.controllerId},max_len=${c.maxLen})`
      );
    }
    case "userdata":
      return `userdata(${c.bytes.map((b) => b.toString(16).padStart(2, "0")).join("")})`;
  }
}

export function formatUserspace(a: OdpUserspaceAction): string {
  let s = `userspace(pid=${a.pid}`;
  if (a.cookie !== null) s += `,${formatCookie(a.cookie)}`;
  if (a.actions) s += ",actions";
  if (a.tunnelOutPort !== null) s += `,tunnel_out_port=${a.tunnelOutPort}`;
  return `${s})`;
}
