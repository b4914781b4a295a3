/**
 * ovsim's NetFlow exporter (src/vswitchd/netflow/netflow.ts) on the rules of OVS's
 * ofproto/netflow.c that the recorded fixtures (fixtures/netflow) do not reach: a datagram
 * holds at most 30 records (gen_netflow_rec sends at 30), byte counts over 32 bits are split
 * evenly over several records (netflow_expire__), non-IPv4 traffic is not counted, and a
 * collector target without a port is not opened (collectors.c's warning).
 */
import { describe, expect, it } from "vitest";
import { FLOW_WORDS, M, writeMember } from "../../src/flowtable/flow-layout.js";
import { decodeNetflowV5 } from "../../src/vswitchd/netflow/netflow-v5.js";
import type { NetflowOptions } from "../../src/vswitchd/netflow/netflow.js";
import { Netflow } from "../../src/vswitchd/netflow/netflow.js";

function flow(src: number, dlType = 0x0800): Uint32Array {
  const f = new Uint32Array(FLOW_WORDS);
  writeMember(f, M.dlType, BigInt(dlType));
  writeMember(f, M.inPort, 1n);
  writeMember(f, M.nwSrc, BigInt(src));
  writeMember(f, M.nwDst, 0x0a000001n);
  writeMember(f, M.nwProto, 17n);
  return f;
}

function exporter(options: Partial<NetflowOptions> = {}): { nf: Netflow; sent: Uint8Array[]; warnings: string[]; clock: { now: number } } {
  const sent: Uint8Array[] = [];
  const warnings: string[] = [];
  const clock = { now: 0 };
  const nf = new Netflow(() => clock.now, {
    open: (t) => (t.includes(":") ? { ok: true, id: t } : { ok: false, error: "Address family not supported by protocol" }),
    send: (_id, bytes) => sent.push(bytes),
    warn: (m) => warnings.push(m),
  });
  nf.setOptions({ collectors: ["127.0.0.1:9"], engineType: 0, engineId: 0, activeTimeout: 0, addIdToInterface: false, ...options });
  return { nf, sent, warnings, clock };
}

describe("NetFlow exporter", () => {
  it("sends at most 30 records a datagram", () => {
    const { nf, sent } = exporter();
    for (let i = 0; i < 31; i++) nf.flowUpdate(flow(i + 1), 2, { packets: 1, bytes: 100, tcpFlags: 0, used: 0 });
    for (let i = 0; i < 31; i++) nf.flowClear(flow(i + 1), false);
    expect(sent.length).toBe(1);
    nf.run();
    const counts = sent.map((b) => decodeNetflowV5(b).records.length);
    expect(counts).toEqual([30, 1]);
    // flow_seq: the sequence number of the datagram's last record.
    expect(sent.map((b) => decodeNetflowV5(b).header?.flowSeq)).toEqual([29, 30]);
  });

  it("splits a byte count over 32 bits evenly over records", () => {
    const { nf, sent } = exporter();
    const bytes = 2 ** 33 + 10;
    nf.flowUpdate(flow(1), 2, { packets: 5, bytes, tcpFlags: 0, used: 0 });
    nf.flowClear(flow(1), false);
    nf.run();
    const recs = decodeNetflowV5(sent[0] as Uint8Array).records;
    // n_recs = ceil(bytes / UINT32_MAX) = 3: 5/3 = 1 packet and bytes/3, then 4/2 and the rest halved.
    expect(recs.map((r) => r.packetCount)).toEqual([1, 2, 2]);
    expect(recs.reduce((s, r) => s + r.byteCount, 0)).toBe(bytes);
    expect(recs.every((r) => r.byteCount <= 0xffffffff)).toBe(true);
  });

  it("counts IPv4 only, and a deleted flow's record waits for the next run", () => {
    const { nf, sent } = exporter();
    nf.flowUpdate(flow(1, 0x86dd), 2, { packets: 1, bytes: 100, tcpFlags: 0, used: 0 });
    nf.flowClear(flow(1, 0x86dd), true);
    nf.flowUpdate(flow(2), 2, { packets: 1, bytes: 100, tcpFlags: 0, used: 0 });
    nf.flowClear(flow(2), true);
    nf.run();
    expect(sent.length).toBe(0);
    nf.run();
    expect(sent.map((b) => decodeNetflowV5(b).records.map((r) => r.srcAddr))).toEqual([[2]]);
  });

  it("does not open a collector without a port", () => {
    const { warnings } = exporter({ collectors: ["1.2.3.4"] });
    expect(warnings).toEqual(["couldn't open connection to collector 1.2.3.4 (Address family not supported by protocol)"]);
  });
});
