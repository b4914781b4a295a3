/**
 * A module-level replay of the conntrack fixtures (fixtures/conntrack/*.ovs)
 * without the `ovsim run` front end: one bridge of the library (Bridge,
 * flows parsed and submitted as ovs-ofctl does), packets composed as
 * netdev-dummy composes them (hex, or a datapath flow through flowCompose),
 * translated (xlate) and executed (odpExecute with a Conntrack), each
 * recirculation translated again from the table its ct action named, with
 * the packet's ct fields in the flow (ct_state, ct_zone, ct_mark, as
 * OVS's miniflow_extract reads them from pkt_metadata) and the frozen
 * metadata (registers) of the translation that froze it.
 *
 * Every rule a translation hits is credited with the packet (OVS's
 * resubmit stats), so `ovs-ofctl dump-flows` shows which ct_state flows
 * matched.
 *
 * Commands it runs: ovs-vsctl add-port, ovs-ofctl add-flow and dump-flows,
 * netdev-dummy/receive, time/warp, dpctl/dump-conntrack [-m] [-s] [zone=N],
 * dpctl/flush-conntrack [zone=N] [ORIG [REPLY]], dpctl/ct-set-maxconns,
 * dpctl/ct-{enable,disable}-tcp-seq-chk. Everything else (traces,
 * dpctl/dump-flows, revalidator/wait) is the end-to-end suite's business.
 */
import type { ActionList } from "../../src/actions/action-types.js";
import { formatActions } from "../../src/actions/action-text.js";
import { actionsAsDumped, parseFlowActions } from "../../src/actions/flow-actions.js";
import type { Recirculation } from "../../src/actions/xlate/xlate-context.js";
import { RecircIds } from "../../src/actions/xlate/xlate-context.js";
import { XLATE_FLOW_WORDS, XM } from "../../src/actions/xlate/odp-metadata.js";
import { xlate } from "../../src/actions/xlate/xlate.js";
import { Bridge } from "../../src/datapath/bridge.js";
import { BridgePort } from "../../src/datapath/bridge-port.js";
import { Conntrack } from "../../src/datapath/conntrack/conntrack.js";
import { formatConntrackEntry } from "../../src/datapath/conntrack/ct-entry.js";
import { emptyCtMatch, parseCtTuple } from "../../src/datapath/conntrack/ct-match.js";
import { writeCtFlowFields } from "../../src/datapath/conntrack/ct-metadata.js";
import { DpMeters } from "../../src/datapath/dp-meter.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { parseOdpFlow } from "../../src/datapath/odp-flow-parse.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import type { Packet } from "../../src/datapath/packet/packet.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { W } from "../../src/flowtable/flow-layout.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { submitFlow } from "../../src/flowtable/flow-mod-submit.js";
import { formatFlowStats } from "../../src/flowtable/flow-format.js";
import { chooseProtocol, protocolsForVersion } from "../../src/flowtable/openflow-protocols.js";

/** Shell-like words of a command line (single quotes only, as the fixtures write them). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? "");
  return out;
}

/** One bridge `br0` with dummy ports pN (OpenFlow and datapath port N) and a conntrack. */
export class CtHarness {
  now = 0;
  readonly ct = new Conntrack();
  readonly meters = new DpMeters();
  readonly br = new Bridge("br0", 0, this.meters);
  private readonly ports: BridgePort[] = [];
  private readonly recircIds = new RecircIds();
  /** Where each ct recirculation resumes (OVS's frozen state of a ct(table=N)). */
  private readonly resumes = new Map<number, Recirculation>();
  /** Flows ovsim could not add (it lacks a feature the script uses). */
  readonly failedFlows: string[] = [];

  /** Runs one script line; returns its output lines, or null for a command this harness leaves out. */
  run(line: string): string[] | null {
    const w = words(line.replace(/ 2>&1$/, ""));
    const [tool, cmd] = w;
    if (tool === "ovs-vsctl" && cmd === "add-port") {
      const m = /ofport_request=(\d+)/.exec(line);
      this.addPort(w[3] ?? "", Number(m?.[1] ?? 0));
      return [];
    }
    if (tool === "ovs-vsctl") return [];
    if (tool === "ovs-ofctl" && cmd === "add-flow") return this.addFlow(w[3] ?? "");
    if (tool === "ovs-ofctl" && cmd === "dump-flows" && w.length === 3) return this.dumpFlows();
    if (tool !== "ovs-appctl") return null;
    const args = w.slice(2);
    switch (cmd) {
      case "time/stop":
        return [];
      case "time/warp":
        this.now += Number(args[0]);
        return [];
      case "netdev-dummy/receive":
        this.receive(Number((args[0] ?? "").slice(1)), args[1] ?? "");
        return [];
      case "dpctl/dump-conntrack":
        return this.dump(args);
      case "dpctl/flush-conntrack":
        return this.flush(args);
      case "dpctl/ct-set-maxconns":
        this.ct.maxConns = Number(args[0]);
        return ["setting maxconns successful"];
      case "dpctl/ct-get-maxconns":
        return [String(this.ct.maxConns)];
      case "dpctl/ct-get-nconns":
        return [String(this.ct.size)];
      case "dpctl/ct-disable-tcp-seq-chk":
        this.ct.tcpSeqCheck = false;
        return ["disabling TCP sequence checking successful"];
      case "dpctl/ct-enable-tcp-seq-chk":
        this.ct.tcpSeqCheck = true;
        return ["enabling TCP sequence checking successful"];
      case "dpctl/ct-get-tcp-seq-chk":
        return [`TCP sequence checking: ${this.ct.tcpSeqCheck ? "enabled" : "disabled"}`];
      default:
        return null;
    }
  }

  private addPort(name: string, ofport: number): void {
    const p = new BridgePort(
      {
        name,
        ofport,
        odpPort: ofport,
        type: "dummy",
        netdevType: "dummy",
        mac: "00:00:00:00:00:00",
        options: new Map(),
        vlan: { mode: "trunk", tag: null, trunks: [] },
        created: this.now,
        datapathType: "dummy",
      },
      () => undefined,
    );
    this.ports.push(p);
    this.br.setPorts(this.ports);
  }

  private addFlow(text: string): string[] {
    try {
      const parsed = parseFlow(text, "add");
      const fa = parseFlowActions(parsed.actions ?? "", { match: parsed.match, tableId: parsed.tableId, usableProtocols: parsed.usableProtocols });
      const sub = submitFlow<ActionList>({ ...parsed, usableProtocols: parsed.usableProtocols & fa.usableProtocols }, fa.actions, protocolsForVersion("OpenFlow15"));
      if (!sub.ok) throw new Error("not submitted");
      this.br.tables.apply(sub.flowMod, this.now);
      return [];
    } catch (e) {
      this.failedFlows.push(text);
      return [`ovs-ofctl: ${(e as Error).message}`];
    }
  }

  /** The packet a netdev-dummy/receive argument describes. */
  packetOf(arg: string): Packet {
    if (/^[0-9a-f\s]+$/i.test(arg)) {
      const r = packetFromHex(arg);
      if (!r.ok) throw new Error(r.error);
      return r.packet;
    }
    const r = parseOdpFlow(arg, new Map());
    if (!r.ok) throw new Error(r.error);
    return flowCompose(r.flow);
  }

  /** A packet arrives on port `port`: translate, execute, recirculate until done. Returns the ports it left by. */
  receive(port: number, arg: string): number[] {
    return this.process(this.packetOf(arg), port, null, 0);
  }

  private process(p: Packet, port: number, resume: Recirculation | null, depth: number): number[] {
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(p, port, flow);
    if (resume !== null) {
      // The frozen metadata (OVS's frozen_state.metadata): registers, metadata, tunnel.
      flow.set(resume.flow.subarray(W.METADATA, W.TUN_FLAGS_CT_ZONE), W.METADATA);
      writeCtFlowFields(p, flow);
      flow[XM.recircId.word] = resume.id;
    }
    const opts = { recircIds: this.recircIds, now: this.now, resubmitStats: { packets: 1, bytes: p.size } };
    const r = resume === null ? xlate(this.br, flow, opts) : xlate(this.br, flow, { ...opts, resume: { table: resume.table, recircId: resume.id } });
    for (const rc of r.recirculations) this.resumes.set(rc.id, rc);
    const ex = odpExecute(p, r.odpActions, port, { meters: this.meters, now: this.now, conntrack: this.ct });
    const out = ex.outputs.map((o) => o.odpPort);
    if (depth < 8) {
      for (const d of ex.recirculations) {
        const rc = d.recircId === undefined ? undefined : this.resumes.get(d.recircId);
        if (rc !== undefined) out.push(...this.process(d.packet, d.inPort, rc, depth + 1));
      }
    }
    return out;
  }

  /** `ovs-ofctl dump-flows br0` (OpenFlow 1.0 with NXM, as ovs-ofctl's default). */
  dumpFlows(): string[] {
    const parsed = parseFlow("", "stats");
    const choice = chooseProtocol(parsed.usableProtocols, protocolsForVersion("OpenFlow10"));
    if (!choice.ok) throw new Error(choice.error);
    const protocol = choice.protocol;
    const flows = this.br.tables.select({
      tableId: parsed.tableId,
      match: parsed.match,
      cookie: parsed.cookie,
      cookieMask: parsed.cookieMask,
      outPort: parsed.outPort,
      outGroup: parsed.outGroup,
    });
    const lines = flows
      .filter((f) => !this.br.isRecircDropFlow(f))
      .map((f) => ` ${formatFlowStats(f, { showStats: true, now: this.now, ofVersion: 10, formatActions: (a: ActionList) => formatActions(actionsAsDumped(a, protocol, f.match)) })}`);
    return ["NXST_FLOW reply (xid=0x4):", ...lines];
  }

  private dump(args: string[]): string[] {
    const verbose = args.includes("-m");
    const stats = args.includes("-s");
    const z = args.find((a) => a.startsWith("zone="));
    const zone = z === undefined ? undefined : Number(z.slice(5));
    return this.ct.dump(this.now, zone).map((e) => formatConntrackEntry(e, { verbose, stats }));
  }

  private flush(args: string[]): string[] {
    let rest = args;
    let zone: number | undefined;
    if (rest[0]?.startsWith("zone=") === true) {
      zone = Number(rest[0].slice(5));
      rest = rest.slice(1);
    }
    const m = emptyCtMatch();
    for (const [i, which] of [[0, "orig"], [1, "reply"]] as const) {
      const t = rest[i];
      if (t === undefined || t === "") continue;
      const err = parseCtTuple(t, m, which);
      if (err !== null) return [`ovs-vswitchd: ${err} (Invalid argument)`, "ovs-appctl: ovs-vswitchd: server returned an error"];
    }
    if (!this.ct.flush(this.now, zone, m)) {
      return ["ovs-vswitchd: failed to flush conntrack (No such file or directory)", "ovs-appctl: ovs-vswitchd: server returned an error"];
    }
    return [];
  }
}
