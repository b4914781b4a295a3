/**
 * Names where OpenFlow numbers go, as ovs-ofctl reads and prints them (OVS's
 * lib/namemap.c, ofputil_table_from_string / ofputil_format_table, and the port
 * map ovs-ofctl fills from port descriptions). The recorded behaviour is in
 * fixtures/ofctl/table-names-in-flows.ovs and fixtures/ofctl/port-names-long.ovs; these
 * cases pin the rules one by one.
 */
import { describe, expect, it } from "vitest";
import { openflowPortNameMap } from "../../src/flowtable/port-name-map.js";
import { formatPort, parsePort } from "../../src/flowtable/ports.js";
import { formatTableId, namemapName, parseTableId, tableNameMap } from "../../src/flowtable/table-names.js";
import { bridgeOfTarget } from "../../src/utilities/ofctl-target.js";

describe("table names", () => {
  const names = new Map([
    [0, "zero"],
    [5, "dup"],
    [6, "dup"],
    [7, "my-table"],
  ]);
  const map = tableNameMap((t) => names.get(t) ?? "");

  it("reads a decimal number 0..255 whatever the map says, and refuses a negative or larger one", () => {
    expect(parseTableId("0", map)).toBe(0);
    expect(parseTableId("255", map)).toBe(255);
    expect(parseTableId("256", map)).toBeUndefined();
    expect(parseTableId("-1", map)).toBeUndefined();
  });

  it("reads a name, bare or in double quotes; a shared name names no table", () => {
    expect(parseTableId("zero", map)).toBe(0);
    expect(parseTableId('"my-table"', map)).toBe(7);
    expect(parseTableId("dup", map)).toBeUndefined();
    expect(parseTableId("nosuch", map)).toBeUndefined();
    expect(parseTableId("zero")).toBeUndefined();
  });

  it("prints a table by its name, quoted unless a letter followed by letters and digits, else by number", () => {
    expect(formatTableId(0, map)).toBe("zero");
    expect(formatTableId(7, map)).toBe('"my-table"');
    expect(formatTableId(5, map)).toBe("5");
    expect(formatTableId(1, map)).toBe("1");
    expect(formatTableId(0)).toBe("0");
  });

  it("quotes names as namemap_put_name does", () => {
    expect(namemapName("abc123")).toBe("abc123");
    expect(namemapName("1abc")).toBe('"1abc"');
    expect(namemapName("x-y")).toBe('"x-y"');
  });
});

describe("port names as ovs-ofctl learns them", () => {
  const map = openflowPortNameMap([
    ["xyzzy", 1],
    ["x-y", 2],
    ["reallyverylongportname", 4],
    ["conflictinglongportname1", 5],
    ["conflictinglongportname2", 6],
  ]);

  it("knows a name by its first 15 characters only", () => {
    expect(parsePort("reallyverylongp", map)).toBe(4);
    expect(parsePort("reallyverylongportname", map)).toBeUndefined();
    expect(formatPort(4, map)).toBe("reallyverylongp");
  });

  it("drops a name two ports share after the cut, both ways", () => {
    expect(parsePort("conflictinglong", map)).toBeUndefined();
    expect(formatPort(5, map)).toBe("5");
    expect(formatPort(6, map)).toBe("6");
  });

  it("reads a quoted name and prints a name that needs it quoted", () => {
    expect(parsePort('"x-y"', map)).toBe(2);
    expect(formatPort(2, map)).toBe('"x-y"');
    expect(formatPort(1, map)).toBe("xyzzy");
  });
});

describe("ovs-ofctl's SWITCH argument", () => {
  it("names a bridge directly or through its management socket in the run directory", () => {
    expect(bridgeOfTarget("br0")).toBe("br0");
    expect(bridgeOfTarget("unix:br0.mgmt")).toBe("br0");
    expect(bridgeOfTarget("unix:/var/run/openvswitch/br-int.mgmt")).toBe("br-int");
    expect(bridgeOfTarget("unix:/elsewhere/br0.mgmt")).toBe("unix:/elsewhere/br0.mgmt");
    expect(bridgeOfTarget("tcp:127.0.0.1:6653")).toBe("tcp:127.0.0.1:6653");
  });
});
