/**
 * The cloud half of `ovsim/testing` (re-exported by src/testing/index.ts):
 * random clouds and event sequences for fast-check, checkers of a
 * cloud's invariants (isolation, reachability, no storms, learned flows
 * expire, no leaks), and property runners whose failures replay
 * (`ovsim cloud FILE`) with the offending packet's trace.
 */
export { cloudFileArbitrary, cloudDrawArbitrary, cloudFileOf, hostName, CLOUD_NETWORK_TYPES, CLOUD_SUBNETS, OPEN_GROUP, EGRESS_ONLY_GROUP, GROUP_CHOICES, vmAddress } from "./arbitraries.js";
export type { CloudArbitraryOptions, CloudDraw, CloudNetworkType, VmDraw } from "./arbitraries.js";
export type { AgentJson, CloudFileJson, HostJson, JsonValue, NetworkJson, RuleJson, SecurityGroupJson, StepJson, UnderlayJson } from "./cloud-json.js";
export { CloudRun } from "./cloud-run.js";
export type { CloudRunOptions } from "./cloud-run.js";
export { cloudCommands, afterCommand, isolationAfter, landFrames, CLOUD_EVENTS } from "./commands.js";
export type { CloudCommand, CloudCommandsOptions, CloudEvent, CloudReal } from "./commands.js";
export { traceFrame } from "./frame-trace.js";
export { CloudModel, checkModel } from "./model.js";
export type { ModelVm } from "./model.js";
export { checkIsolation, checkReachability, checkNoStorms, checkNoLearnedFlows, checkLearnedFlowsExpire, checkNoLeaks, neutronLeftover, shouldReach, flowSnapshot } from "./properties.js";
export type { FlowSnapshot, IsolationCursor, IsolationOptions, LeakOptions, ReachabilityOptions, StormOptions } from "./properties.js";
export { cloudProperty, runCloudScenario, CLOUD_CHECKS } from "./runner.js";
export type { CloudPropertyOptions, CloudScenarioOptions } from "./runner.js";
export { wrapAgentFactory } from "./agent-wrap.js";
export type { AgentHooks } from "./agent-wrap.js";
export { CloudPropertyFailure } from "./violation.js";
export type { CloudCheckName, CloudViolation } from "./violation.js";
