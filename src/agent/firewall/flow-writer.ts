/**
 * How the firewall's flows reach br-int: as `ovs-ofctl` flow text, never
 * through the agent's os-ken connection (ovs_lib.OVSBridge.add_flow /
 * delete_flows, and DeferredOVSBridge around them).
 *
 * Two paths, as in Neutron:
 * - immediate (`int_br.br.add_flow`): the firewall's start-up flows; one
 *   `ovs-ofctl -O OpenFlow10 add-flows` each (OVSBridge's highest protocol
 *   stays OpenFlow10: the firewall only adds protocols to the Bridge row);
 * - deferred (between filter_defer_apply_on and _off, i.e. every port
 *   operation securitygroups_rpc makes): queued, then sent in order with
 *   `--bundle`, which makes ovs-ofctl speak OpenFlow 1.4 (bundles need 1.3+;
 *   ovs-ofctl adds 1.4 and drops 1.0-1.2 when -O allows nothing newer).
 *   Runs of one command (add / del) are sent together, their flows grouped
 *   by the port they belong to (flow_group_id), ports in first-seen order.
 *
 * The version changes what the switch stores (an OF1.4 `mod_vlan_vid` on an
 * untagged match is push_vlan + set_field), not what a dump over OpenFlow
 * 1.0 prints. Every added flow carries the bridge's cookie, unless an update
 * is under way (_update_flows_for_port's temporary cookie); deletes select
 * the bridge's cookie (`cookie=C/-1`) unless told any cookie.
 *
 * A flow_mod the switch refuses is logged (in `errors`) and the rest go on,
 * as ovs_lib logs a failed ovs-ofctl; Neutron's bundle would also drop the
 * other flows of that ovs-ofctl call, ovsim's writer keeps them.
 */
import type { Switch } from "../../vswitchd/switch.js";
import type { FlowDelete, FlowSpec } from "./flow-spec.js";
import { addFlowText, defaultGroupOf, deleteFlowText } from "./flow-spec.js";

/** ovs-ofctl's OpenFlow version without `--bundle` (-O OpenFlow10) and with it (1.4). */
const IMMEDIATE_VERSION = 10;
const BUNDLE_VERSION = 14;

type Queued =
  | { readonly kind: "add"; readonly flow: FlowSpec; readonly group: number | null; readonly cookie: bigint }
  | { readonly kind: "del"; readonly del: FlowDelete };

export class FirewallBridge {
  /** Flow mods the switch refused: the text sent and the switch's words. */
  readonly errors: string[] = [];
  private queue: Queued[] = [];
  private deferredMode = false;
  /** The cookie added flows carry instead of the bridge's, while a port's flows are rewritten. */
  private updateCookie: bigint | null = null;
  private cookieSerial = 0n;

  constructor(
    readonly sw: Switch,
    readonly bridge: string,
    /** The bridge's cookie (the agent's for br-int). */
    readonly cookie: bigint,
  ) {}

  get deferred(): boolean {
    return this.deferredMode;
  }

  /** filter_defer_apply_on. */
  deferOn(): void {
    this.deferredMode = true;
  }

  /** filter_defer_apply_off's send: the queue, in order. */
  deferOff(): void {
    this.deferredMode = false;
    this.applyDeferred();
  }

  /**
   * A cookie for the time a port's flows are rewritten (OVSBridge.request_cookie,
   * random in Neutron): derived from the bridge's cookie and a counter, so that
   * a run is reproducible; never the bridge's cookie.
   */
  withUpdateCookie(body: () => void): void {
    this.cookieSerial += 1n;
    const mixed = (this.cookie * 0x5851f42d4c957f2dn + 0x14057b7ef767814fn * this.cookieSerial) & 0xffffffffffffffffn;
    this.updateCookie = mixed === this.cookie ? mixed ^ 1n : mixed;
    try {
      body();
    } finally {
      this.updateCookie = null;
    }
  }

  /** firewall.py _add_flow: now, or queued with its port group when deferred. */
  addFlow(flow: FlowSpec, group: number | null = null): void {
    const cookie = this.updateCookie ?? this.cookie;
    if (this.deferredMode) this.queue.push({ kind: "add", flow, group: group ?? defaultGroupOf(flow), cookie });
    else this.send(addFlowText(flow, cookie), "add", IMMEDIATE_VERSION);
  }

  /** The start-up flows Neutron writes with `int_br.br.add_flow` (never deferred). */
  addFlowNow(flow: FlowSpec): void {
    this.send(addFlowText(flow, this.cookie), "add", IMMEDIATE_VERSION);
  }

  /** firewall.py _delete_flows. */
  deleteFlows(del: FlowDelete): void {
    if (this.deferredMode) this.queue.push({ kind: "del", del });
    else this.send(deleteFlowText(del, this.cookie), "del", IMMEDIATE_VERSION);
  }

  private applyDeferred(): void {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; ) {
      let j = i;
      while (j < queue.length && queue[j]!.kind === queue[i]!.kind) j++;
      const run = queue.slice(i, j);
      if (run[0]!.kind === "del") {
        for (const q of run) if (q.kind === "del") this.send(deleteFlowText(q.del, this.cookie), "del", BUNDLE_VERSION);
      } else {
        // do_action_flows_by_group_id: the run's flows port by port, ports in first-seen order
        const byGroup = new Map<number | null, Array<Queued & { kind: "add" }>>();
        for (const q of run) {
          if (q.kind !== "add") continue;
          const list = byGroup.get(q.group);
          if (list === undefined) byGroup.set(q.group, [q]);
          else list.push(q);
        }
        for (const flows of byGroup.values()) for (const q of flows) this.send(addFlowText(q.flow, q.cookie), "add", BUNDLE_VERSION);
      }
      i = j;
    }
  }

  private send(text: string, kind: "add" | "del", version: 10 | 14): void {
    try {
      if (kind === "add") this.sw.addFlow(this.bridge, text, { version });
      else this.sw.deleteFlows(this.bridge, text, { version });
    } catch (e) {
      this.errors.push(`${kind}-flows ${text}: ${(e as Error).message}`);
    }
  }
}
