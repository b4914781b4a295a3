/**
 * ovsim's public API. Every export is named here; folders have no re-export files.
 */
// Flow table core
export { Classifier, ClassifierRule } from "./flowtable/classifier.js";
export type { ClassifierOptions } from "./flowtable/classifier.js";
export type { PrefixField } from "./flowtable/cls-tries.js";
export { configurePrefixes, DEFAULT_PREFIX_FIELDS } from "./flowtable/prefix-fields.js";
export type { PrefixConfig } from "./flowtable/prefix-fields.js";
export { FIELDS, allFields, fieldByName, fieldBySubfieldName } from "./flowtable/fields.js";
export type { FieldFormat, FieldId, FieldSpec, Prereq } from "./flowtable/fields.js";
export { FLOW_WORDS, M as FLOW_MEMBERS } from "./flowtable/flow-layout.js";
export type { FlowMember } from "./flowtable/flow-layout.js";
export { Match } from "./flowtable/match.js";
export { formatMatch, OFP_DEFAULT_PRIORITY } from "./flowtable/match-format.js";
export { normalizeMatch } from "./flowtable/match-normalize.js";
export { transmitMatch } from "./flowtable/match-transmit.js";
export type { MatchProtocol } from "./flowtable/match-transmit.js";
export { parseFlow, TABLE_ALL, OFPG_ANY } from "./flowtable/flow-mod-parse.js";
export type { FlowModCommand, FlowModFlags, FlowTextPurpose, ParsedFlow } from "./flowtable/flow-mod-parse.js";
export { submitFlow } from "./flowtable/flow-mod-submit.js";
export type { SubmitResult } from "./flowtable/flow-mod-submit.js";
export { FlowTables, N_TABLES, TABLE_INTERNAL, defaultFlowMod, isLooseMatch } from "./flowtable/flow-tables.js";
export { parseExactFlow } from "./flowtable/exact-flow-parse.js";
export type { ActionSemantics, FlowMod, FlowModResult, FlowRemoved, FlowSelector, RemovalReason } from "./flowtable/flow-tables.js";
export { FlowEntry } from "./flowtable/flow-entry.js";
export { formatFlowStats } from "./flowtable/flow-format.js";
export { protocolsForVersion, protocolsToString } from "./flowtable/openflow-protocols.js";
export { parsePort, formatPort } from "./flowtable/ports.js";
export type { PortNameMap } from "./flowtable/ports.js";
export { parseSubfield, formatSubfield } from "./flowtable/subfield.js";
export type { Subfield } from "./flowtable/subfield.js";
export { OvsimError, FlowParseError, OpenFlowError, LimitError } from "./flowtable/errors.js";
// Actions
export { parseActions, formatActions } from "./actions/action-text.js";
export type { Action, ActionList } from "./actions/action-types.js";
export { parseActionText } from "./actions/action-parse.js";
export type { ParseOutcome } from "./actions/action-parse.js";
// Config DB, bridges and scripts
export { Bridge } from "./datapath/bridge.js";
export { BridgePort } from "./datapath/bridge-port.js";
export { Datapath } from "./datapath/dpif.js";
export { MacLearningTable } from "./datapath/mac-learning.js";
export { ConfigDb } from "./datapath/config-db.js";
export { runScript, runLine } from "./utilities/run-script.js";
export type { ScriptOutput } from "./utilities/run-script.js";
export type { CommandResult } from "./utilities/command-result.js";
// One host's Open vSwitch as a library (src/vswitchd, docs/api.md).
export { Switch } from "./vswitchd/switch.js";
export type { DbMonitor, FlowModOptions, FlowView, PortEvent, PortInfo, SwitchOptions } from "./vswitchd/switch.js";
export type { BridgeOptions, DbValue, PortOptions } from "./vswitchd/ovsdb-ops.js";
export type { Trace, TraceOptions, TraceOutput, TraceRule, TraceStep } from "./vswitchd/trace.js";
export type { PortSink, ReceivedPacket, DatapathTap, VportSink } from "./vswitchd/packet-io.js";
export type { PacketOut } from "./vswitchd/packet-out.js";
// Snapshots of one switch (docs/snapshots.md).
export { SNAPSHOT_VERSION, SnapshotError } from "./vswitchd/snapshot.js";
export type { LoadSnapshotOptions, SnapshotAttachments, SwitchSnapshot } from "./vswitchd/snapshot.js";
// Benchmarking a rule set: `ovsim bench flows` as a library (src/bench, docs/bench.md).
export { benchFlows } from "./bench/flow-bench.js";
export type { FlowBenchOptions, FlowBenchReport, Rate as BenchRate, SubtableUse, TableReport } from "./bench/flow-bench.js";
export { readFlowFile } from "./bench/flow-file.js";
export type { BenchFlow, FlowFile, FlowFileFormat } from "./bench/flow-file.js";
export { classBenchToFlows } from "./bench/classbench.js";
export type { ClassBenchFilter, ClassBenchFlows } from "./bench/classbench.js";
export { splitPortRange } from "./bench/port-ranges.js";
export type { PortPiece } from "./bench/port-ranges.js";
export { readPackets } from "./bench/packets.js";
export type { BenchPackets } from "./bench/packets.js";
export { formatFlowBenchReport } from "./bench/report-text.js";
export type { Spread as BenchSpread } from "./bench/timing.js";
export { FlowBenchError } from "./bench/errors.js";
// Tunnel metadata (set(tunnel(...)), what a tunnel vport takes and gives) and the kernel tunnel devices' encapsulation.
export { formatTunnelKey, TNL_F, tunnelKey } from "./actions/xlate/odp-tunnel.js";
export type { OdpSetTunnelAction, TunnelKey } from "./actions/xlate/odp-tunnel.js";
export { encapsulate, vportKind } from "./datapath/tunnel-encap.js";
export type { VportKind } from "./datapath/tunnel-encap.js";
export { tnlDecap } from "./datapath/odp-tnl-pop.js";
export { FlowModError } from "./vswitchd/flow-mod-text.js";
export type { OfVersion, SentFlowMod } from "./vswitchd/flow-mod-text.js";
export { OvsdbError, SwitchError, TraceError } from "./vswitchd/errors.js";

// Translation (src/actions/xlate): a packet through a bridge's pipeline into datapath actions.
export { xlate, recirculationFlow } from "./actions/xlate/xlate.js";
export type { XlateResult } from "./actions/xlate/xlate.js";
export { formatTrace, formatMegaflow, formatTraceFlow, ofprotoTrace } from "./actions/xlate/xlate-trace-format.js";
export { MAX_DEPTH, MAX_RESUBMITS, RecircIds, XLATE_ERRORS } from "./actions/xlate/xlate-context.js";
export type { PacketIn, Recirculation, XlateErrorCode, XlateOptions } from "./actions/xlate/xlate-context.js";
export type { XlateBridge, XlateNormalApi, XlatePort, XlateTunnelConfig, XlateVlanConfig } from "./actions/xlate/xlate-bridge.js";
export { formatOdpActions } from "./actions/xlate/odp-actions.js";
export type { OdpAction } from "./actions/xlate/odp-actions.js";

// Packets and the per-host datapath (src/datapath).
export { Packet, packetFromHex, toHex } from "./datapath/packet/packet.js";
export { extractFlow } from "./datapath/packet/extract.js";
export { flowCompose } from "./datapath/packet/compose.js";
export { buildArp, buildIcmpEcho, buildNd, buildTcp4, buildUdp4 } from "./datapath/packet/build.js";
export { DpifNetdev } from "./datapath/dpif-netdev.js";
export { MegaflowCache, DP_KEY_WORDS } from "./datapath/megaflow-cache.js";
export { BridgeUpcall } from "./datapath/upcall.js";
export { GroupTable } from "./datapath/group-table.js";
export { MeterTable } from "./datapath/meter-table.js";
export { DpMeter, DpMeters } from "./datapath/dp-meter.js";
export type { DpMeterConfig, DpMeterStats, MeterVerdict } from "./datapath/dp-meter.js";

// Simulations: hosts, underlay, VM endpoints, event loop, pcap (src/sim, docs/simulation.md).
export { Simulation } from "./sim/simulation.js";
export type { SimulationOptions } from "./sim/simulation.js";
export { Host } from "./sim/host.js";
export { UnsupportedDatapathAction } from "./sim/host.js";
export type { HostOptions } from "./sim/host.js";
export { IpStack, IpStackStats } from "./sim/ip-stack.js";
export type { NicOptions, IpStackSnapshot } from "./sim/ip-stack.js";
export type { SimSnapshot, HostSnapshot, SegmentSnapshot, EndpointSnapshot } from "./sim/snapshot.js";
export { runScenario, formatPing, ScenarioError } from "./sim/scenario.js";
export type { ScenarioResult, ScenarioPing } from "./sim/scenario.js";
export { EventLoop, PacketBudgetExceeded, DEFAULT_PACKET_BUDGET } from "./datapath/event-loop.js";
export { UnderlaySegment } from "./datapath/underlay.js";
export type { SegmentAttachment, SegmentOptions } from "./datapath/underlay.js";
export { Endpoint, parseIpv4, formatIpv4, parseMac } from "./datapath/endpoint.js";
export type { PingOptions, PingResult, ReceivedFrame } from "./datapath/endpoint.js";
export { PcapCapture, encodePcap, decodePcap, LINKTYPE_ETHERNET } from "./datapath/pcap.js";
export type { CapturedFrame } from "./datapath/pcap.js";

// The Neutron OVS agent (src/agent, docs/agent.md) and its RPC contract.
export { OvsNeutronAgent } from "./agent/ovs-agent.js";
export type { AgentOptions } from "./agent/ovs-agent.js";
export { DEFAULT_AGENT_CONFIG } from "./agent/agent-config.js";
export type { AgentConfig } from "./agent/agent-config.js";
export type { AgentRpcHandlers, DeviceDetails, FdbEntries, PluginRpc, SecurityGroupInfo, SecurityGroupRule } from "./agent/rpc.js";
export { NoopFirewallDriver } from "./agent/firewall-driver.js";
export type { FirewallDriver } from "./agent/firewall-driver.js";

// Clouds: hosts with their agents, the fake Neutron server, the cloud file (src/cloud, docs/cloud.md).
export { Cloud, CloudStepError, createCloud } from "./cloud/cloud.js";
export type { CloudOptions, RunResult, Vm } from "./cloud/cloud.js";
export { CloudFileError, parseCloudFile } from "./cloud/cloud-file.js";
export type { CloudSpec, CloudStep } from "./cloud/cloud-types.js";
export { NeutronApiError, NeutronServer } from "./cloud/server.js";
export { ovsAgentFactory, ovsAgentRestorer } from "./cloud/agent-factory.js";
export type { AgentContext, AgentFactory, AgentLike, AgentRestorer } from "./cloud/agent-factory.js";
export { loadCloud, parseStepsFor } from "./cloud/load-cloud.js";
export type { LoadCloudOptions } from "./cloud/load-cloud.js";
export { parseStepsFile } from "./cloud/cloud-file.js";
export type { CloudSnapshot, CloudHostSnapshot, VmSnapshot } from "./cloud/snapshot.js";
export type { AgentSnapshot } from "./agent/snapshot.js";

// The Ryu OpenFlow switch test corpus runner (src/ryu).
export { runCase } from "./ryu/runner.js";
export type { CaseResult } from "./ryu/runner.js";

// Table diagrams (src/diagram, docs/playground.md): a host's table graph as dot, Mermaid or SVG.
export { tableGraph, restrictGraph, tableNodeId } from "./diagram/table-graph.js";
export type { DiagramEdge, DiagramFlow, DiagramNode, EdgeKind, TableGraph } from "./diagram/table-graph.js";
export { toDot, toMermaid } from "./diagram/graph-text.js";
export { layoutGraph } from "./diagram/graph-layout.js";
export type { GraphLayout } from "./diagram/graph-layout.js";
export { toSvg } from "./diagram/graph-svg.js";
export { renderDiagram, DIAGRAM_FORMATS } from "./diagram/diagram.js";
export type { DiagramFormat, DiagramOptions } from "./diagram/diagram.js";
