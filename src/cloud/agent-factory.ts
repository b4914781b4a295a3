/**
 * What the cloud needs of a Neutron OVS agent, and where it gets one.
 *
 * The cloud drives each host's agent as neutron's rpc_loop runs: it
 * constructs it on the host's switch (the agent's __init__: bridges set
 * up), calls `iterate()` once per virtual second (one rpc_loop iteration at
 * the switch's current time) and hands it the server's casts through the
 * AgentRpcHandlers methods (src/agent/rpc.ts). `AgentLike` is exactly that,
 * so any agent — the port of neutron's OVSNeutronAgent in
 * src/agent/ovs-agent.ts, or a test double — slots in through an
 * `AgentFactory`.
 * `ovsAgentFactory` builds the ported agent; tests may pass a double.
 * A cloud snapshot saves each agent with its `saveState` and gives it back
 * with an `AgentRestorer` (`ovsAgentRestorer` for the ported agent).
 */
import type { AgentConfig } from "../agent/agent-config.js";
import { OvsNeutronAgent } from "../agent/ovs-agent.js";
import type { AgentRpcHandlers, PluginRpc } from "../agent/rpc.js";
import type { Switch } from "../vswitchd/switch.js";
import type { SeededRandom } from "./seeded-random.js";

/** One host's agent as the cloud drives it. */
export interface AgentLike extends AgentRpcHandlers {
  /** One rpc_loop iteration at the switch's current virtual time. */
  iterate(): void;
  /** What went wrong inside iterations and casts (Neutron logs them and resyncs); the cloud says each on stderr. */
  readonly errors?: readonly unknown[];
  /** The agent process ends (a restart): it lets go of the switch (its OVSDB monitors). */
  stop?(): void;
  /**
   * The agent's state as plain JSON data, between loop iterations (a cloud snapshot holds
   * it; an AgentRestorer gives the agent back from it). An agent without it cannot be saved.
   */
  saveState?(): unknown;
}

/** What an agent is built with. */
export interface AgentContext {
  /** The host's Open vSwitch. */
  readonly switch: Switch;
  /** The host's name (Neutron's `host` option). */
  readonly host: string;
  readonly config: AgentConfig;
  /** The fake server. */
  readonly plugin: PluginRpc;
  /** The host's seeded stream (cookies). */
  readonly random: SeededRandom;
}

export type AgentFactory = (ctx: AgentContext) => AgentLike;

/**
 * Gives back an agent from what its `saveState` returned, on a host restored from a
 * snapshot: nothing runs (no bridge set up, no report made) until the cloud iterates it.
 */
export type AgentRestorer = (ctx: AgentContext, state: unknown) => AgentLike;

/**
 * The ported Neutron agent (src/agent/ovs-agent.ts) as a factory: the
 * host's seeded stream is handed over as `random: () => number` (a float in
 * [0, 1), as Math.random) for the bridges' cookies.
 */
export const ovsAgentFactory: AgentFactory = (ctx) =>
  new OvsNeutronAgent({ switch: ctx.switch, host: ctx.host, config: ctx.config, plugin: ctx.plugin, random: () => ctx.random.next() });

/** The ported agent from its saved state (OvsNeutronAgent.restore), drawing cookies from the host's restored stream. */
export const ovsAgentRestorer: AgentRestorer = (ctx, state) =>
  OvsNeutronAgent.restore(state, { switch: ctx.switch, plugin: ctx.plugin, random: () => ctx.random.next() });
