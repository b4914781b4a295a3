/**
 * ovsim/testing: fast-check arbitraries that make valid, realistic OpenFlow
 * inputs (matches, flows, action lists, whole pipelines, packets that hit
 * them, VLAN and tunnel topologies, clouds and agent event sequences) and
 * ready properties over ovsim's switches and clouds, with replayable
 * counterexamples (docs/testing.md). fast-check is a peer dependency.
 * Every export is named here.
 */
export { propertyRuns, propertyTimeout, PROPERTY_SCALE_ENV, MAX_PROPERTY_RUNS } from "./runs.js";
export { DEFAULT_UNIVERSE, universe } from "./universe.js";
export type { Universe } from "./universe.js";
export { matches, matchText, fieldsFor, MATCH_PROTOCOLS, METADATA_FIELDS } from "./match-arbitraries.js";
export type { MatchField, MatchOptions, MatchSpec } from "./match-arbitraries.js";
export { registryMatches } from "./registry-matches.js";
export type { MatchContext } from "./registry-matches.js";
export { actionLists } from "./action-arbitraries.js";
export { flows, pipelines, pipelineBridges, PATCH_OFPORT } from "./pipeline-arbitraries.js";
export type { FlowOptions, PipelineOptions } from "./pipeline-arbitraries.js";
export { flowText, installPipeline, pipelineScript, entryPorts } from "./pipeline.js";
export type { BridgeSpec, FlowSpec, Pipeline, PortSpec } from "./pipeline.js";
export { pipeline, parseUserFlow } from "./user-pipeline.js";
export type { UserPipeline } from "./user-pipeline.js";
export { packets, packetBytes, packetChoices, resolvePacket, varyPacket, PACKET_PROTOCOLS } from "./packet-arbitraries.js";
export type { PacketChoice, PacketOptions, PacketSpec } from "./packet-arbitraries.js";
export { vlanTopologies, tunnelTopologies, TUNNEL_OFPORT_BASE } from "./topology-arbitraries.js";
export type { TopologyOptions } from "./topology-arbitraries.js";
export { World, traceAfter } from "./world.js";
export type { Case, CaseStep, Controller, ControllerContext, WorldOptions } from "./world.js";
export { cases, events, eventLines, checkDeterminism, checkMegaflowTransparency, determinismProperty, megaflowTransparencyProperty } from "./properties.js";
export type { EventOptions, PropertyOptions } from "./properties.js";
export { PropertyFailure, TestingError } from "./testing-error.js";
// Clouds and agent event sequences (src/testing/cloud, task B).
export * from "./cloud/index.js";
