/**
 * Wrapping an agent factory: the way to plug a change into every host's
 * agent without touching its code — a bug planted to show a property has
 * teeth, a probe, a fault injected into the server's casts.
 *
 *   const leaky = wrapAgentFactory(ovsAgentFactory, {
 *     after: ({ switch: sw }) => { ... rewrite a flow on sw ... },
 *     call: (ctx, method, args, next) => method === "addFdbEntries" ? undefined : next(),
 *   });
 *   createCloud(file, { agent: leaky });
 *
 * `call` stands in for each method call on the agent (its rpc_loop
 * iteration `iterate`, and the server's casts: `portUpdate`,
 * `addFdbEntries`, ...): `next()` lets the call through. `after` runs once
 * the agent is built (method "init", its bridges set up) and after every
 * call, with the host's switch in reach: a flow rewritten there is as the
 * agent would have left it.
 */
import type { AgentContext, AgentFactory, AgentLike } from "../../cloud/agent-factory.js";

export interface AgentHooks {
  /** After the agent was built ("init") and after each of its method calls. */
  readonly after?: (ctx: AgentContext, method: string) => void;
  /** Instead of each method call: `next()` makes it. */
  readonly call?: (ctx: AgentContext, method: string, args: readonly unknown[], next: () => unknown) => unknown;
}

/** `base`'s agents, with `hooks` around their calls. */
export function wrapAgentFactory(base: AgentFactory, hooks: AgentHooks): AgentFactory {
  return (ctx) => {
    const agent = base(ctx);
    hooks.after?.(ctx, "init");
    return new Proxy<AgentLike>(agent, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (typeof v !== "function" || typeof prop !== "string") return v;
        return (...args: unknown[]): unknown => {
          const next = (): unknown => Reflect.apply(v, target, args);
          const r = hooks.call === undefined ? next() : hooks.call(ctx, prop, args, next);
          hooks.after?.(ctx, prop);
          return r;
        };
      },
    });
  };
}
