/**
 * Fuzzing the JSON documents ovsim reads: cloud files (`parseCloudFile`,
 * what `ovsim cloud FILE` checks first) and switch snapshots
 * (`Switch.loadSnapshot`, what `ovsim run --load FILE` reads).
 *
 * Seeds are the cloud files of fixtures/cloud and fixtures/cloud-examples,
 * and the snapshot of a switch with bridges, ports, flows, groups, a meter
 * and packets. Mutations replace a value anywhere in the document (by a
 * random path) with hostile material: names from Object.prototype, numbers
 * at and past every width, nesting, wrong types; or delete a key; or add
 * `__proto__` / `constructor` keys; or mutate the text itself.
 *
 * (a) a value or a typed error (CloudFileError, SnapshotError: OvsimErrors
 *     naming what is wrong), never another exception;
 * (b) nothing outside the document changes: Object.prototype gains no
 *     property, and the switch a snapshot came from is untouched.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { OvsimError } from "../../src/flowtable/errors.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { fuzzText, HOSTILE_NAMES, HOSTILE_NUMBERS, params, ROOT, RUNS, timeoutFor, typed } from "./fuzz-support.js";

/** A JSON value somewhere in `doc`: the paths of every value, depth first. */
function paths(doc: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(doc)) doc.forEach((v, i) => paths(v, [...at, i], out));
  else if (doc !== null && typeof doc === "object") for (const [k, v] of Object.entries(doc)) paths(v, [...at, k], out);
  return out;
}

/** A copy of `doc` with the value at `path` replaced by `value` (undefined: the key removed). */
function replaced(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(doc)) {
    const copy = doc.slice();
    if (value === undefined && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = replaced(doc[Number(head)], rest, value);
    return copy;
  }
  if (doc !== null && typeof doc === "object") {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) {
      if (k === head && value === undefined && rest.length === 0) continue;
      Object.defineProperty(copy, k, { value: k === head ? replaced(v, rest, value) : v, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return doc;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_NAMES),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(...HOSTILE_NUMBERS.map(Number)),
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53, 4294967296, "", [], {}),
  fc.constantFrom<unknown>(JSON.parse('{"__proto__": {"polluted": 1}}'), { constructor: 1, toString: "x" }, [[[[[[[[[[]]]]]]]]]]),
  fc.string({ maxLength: 20 }),
);

/** Documents made from `seeds`: a value replaced or removed, or the text mutated. */
function fuzzDocument(seeds: readonly string[]): fc.Arbitrary<string> {
  const parsed = seeds.map((s) => ({ text: s, doc: JSON.parse(s) as unknown }));
  const replacedValue = fc
    .tuple(fc.constantFrom(...parsed), fc.nat(), fc.option(hostileValue, { nil: undefined }))
    .map(([seed, i, value]) => {
      const all = paths(seed.doc);
      return JSON.stringify(replaced(seed.doc, all[i % all.length] ?? [], value)) ?? "null";
    });
  return fc.oneof({ weight: 3, arbitrary: replacedValue }, { weight: 1, arbitrary: fuzzText(seeds) });
}

function expectTyped(input: string, f: () => unknown): void {
  const r = typed(input, f);
  if (r instanceof OvsimError) expect(r.message.length, `empty message for ${input.slice(0, 200)}`).toBeGreaterThan(0);
  expect(Object.prototype, "Object.prototype polluted").not.toHaveProperty("polluted");
}

const cloudFiles = ["fixtures/cloud", "fixtures/cloud-examples"].flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith(".json"))
    .map((f) => readFileSync(join(ROOT, d, f), "utf8")),
);

/** A switch whose snapshot has a bit of everything. */
function richSwitch(): Switch {
  const sw = new Switch();
  for (const l of [
    "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy external_ids:k=v",
    "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
    "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
    "ovs-ofctl -O OpenFlow13 add-group br0 group_id=1,type=select,bucket=output:1,bucket=output:2",
    "ovs-ofctl -O OpenFlow13 add-meter br0 meter=1,pktps,band=type=drop,rate=2",
    "ovs-ofctl add-flow br0 priority=10,udp,idle_timeout=30,actions=ct(commit),group:1",
    "ovs-ofctl add-flow br0 priority=5,tcp,actions=learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),NORMAL",
    "ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)'",
    "ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2)'",
  ]) {
    expect(runLine(sw, l).ok, l).toBe(true);
  }
  return sw;
}

describe("fuzz: JSON documents", () => {
  it(
    `cloud files: ${RUNS} documents parse or are refused with a CloudFileError`,
    () => {
      fc.assert(
        fc.property(fuzzDocument(cloudFiles), (text) => {
          expectTyped(text, () => parseCloudFile(text));
        }),
        params(),
      );
    },
    timeoutFor(1),
  );

  it(
    `snapshots: ${RUNS / 5} documents load or are refused with a SnapshotError, and the switch they came from is untouched`,
    () => {
      const sw = richSwitch();
      const seed = JSON.stringify(sw.saveSnapshot());
      fc.assert(
        fc.property(fuzzDocument([seed]), (text) => {
          let doc: unknown;
          try {
            doc = JSON.parse(text);
          } catch {
            return; // not JSON: the CLI refuses it before ovsim reads it (ovsim run: FILE: ...)
          }
          expectTyped(text, () => Switch.loadSnapshot(doc));
          expect(JSON.stringify(sw.saveSnapshot())).toBe(seed);
        }),
        params(Math.max(1, Math.floor(RUNS / 5))),
      );
    },
    timeoutFor(10, RUNS / 5),
  );
});
