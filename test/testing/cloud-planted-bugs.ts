/**
 * Known bugs planted into the ported Neutron agent, each through a wrapping
 * agent factory (src/testing/cloud/agent-wrap.ts): the agent's code is not
 * touched; a flow it installs is rewritten on the switch after each of its
 * calls, or one of the server's casts never reaches it.
 */
import { ovsAgentFactory } from "../../src/cloud/agent-factory.js";
import type { AgentContext, AgentFactory } from "../../src/cloud/agent-factory.js";
import { wrapAgentFactory } from "../../src/testing/cloud/index.js";

/** Rewrites each flow of `bridge` selected by `filter` whose text `edit` changes (null: leave it). */
function rewriteFlows(ctx: AgentContext, bridge: string, filter: string, edit: (match: string, actions: string) => { match: string; actions: string } | null): void {
  const sw = ctx.switch;
  if (sw.bridge(bridge) === undefined) return;
  for (const f of sw.dumpFlows(bridge, filter)) {
    const changed = edit(f.match, f.actions);
    if (changed === null) continue;
    sw.deleteFlows(bridge, [`table=${f.tableId}`, `priority=${f.priority}`, ...(f.match === "" ? [] : [f.match])].join(","), { strict: true });
    const parts = [`cookie=0x${f.cookie.toString(16)}`, `table=${f.tableId}`, `priority=${f.priority}`];
    if (f.idleTimeout > 0) parts.push(`idle_timeout=${f.idleTimeout}`);
    if (f.hardTimeout > 0) parts.push(`hard_timeout=${f.hardTimeout}`);
    if (changed.match !== "") parts.push(changed.match);
    sw.addFlow(bridge, `${parts.join(",")},actions=${changed.actions}`);
  }
}

/** br-tun's flood flows (table 22) without their `dl_vlan` match: every local VLAN floods into one network's tunnels. */
export const floodWithoutDlVlan: AgentFactory = wrapAgentFactory(ovsAgentFactory, {
  after: (ctx) =>
    rewriteFlows(ctx, ctx.config.tunnelBridge, "table=22", (match, actions) => {
      if (!/(^|,)dl_vlan=\d+/.test(match)) return null;
      return { match: match.replace(/(^|,)dl_vlan=\d+/, "").replace(/^,/, ""), actions };
    }),
});

/** br-int without its drop of the dead VLAN 4095 (table 0, priority 65535). */
export const noDeadVlanDrop: AgentFactory = wrapAgentFactory(ovsAgentFactory, {
  after: (ctx) => {
    const br = ctx.config.integrationBridge;
    if (ctx.switch.bridge(br) !== undefined) ctx.switch.deleteFlows(br, "table=0,priority=65535,dl_vlan=4095", { strict: true });
  },
});

/** br-tun's learn action (table 10) without hard_timeout=300: learned flows never expire. */
export const learnWithoutHardTimeout: AgentFactory = wrapAgentFactory(ovsAgentFactory, {
  after: (ctx) =>
    rewriteFlows(ctx, ctx.config.tunnelBridge, "table=10", (match, actions) => (actions.includes("hard_timeout=300,") ? { match, actions: actions.replace("hard_timeout=300,", "") } : null)),
});

/** Every l2population fdb_add cast from the server is lost before it reaches the agent. */
export const droppedFdbAdd: AgentFactory = wrapAgentFactory(ovsAgentFactory, {
  call: (_ctx, method, _args, next) => (method === "addFdbEntries" ? undefined : next()),
});
