/**
 * `ovs-vsctl` commands: bridges for now (add-br, del-br, list-br, br-exists,
 * set bridge ... datapath_type / fail_mode), with `--` chains and --may-exist /
 * --if-exists, and OVS's error texts.
 */
import { Bridge } from "../datapath/bridge.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { World } from "./world.js";

function splitChain(args: string[]): string[][] {
  const cmds: string[][] = [[]];
  for (const a of args) {
    if (a === "--") cmds.push([]);
    else (cmds[cmds.length - 1] as string[]).push(a);
  }
  return cmds.filter((c) => c.length > 0);
}

export function runVsctl(world: World, args: string[]): CommandResult {
  const out: string[] = [];
  for (const cmd of splitChain(args)) {
    const opts = cmd.filter((w) => w.startsWith("--"));
    const [name, ...rest] = cmd.filter((w) => !w.startsWith("--"));
    const mayExist = opts.includes("--may-exist");
    const ifExists = opts.includes("--if-exists");
    switch (name) {
      case "add-br": {
        const br = rest[0];
        if (br === undefined) return failure("ovs-vsctl: 'add-br' command requires at least 1 arguments");
        if (world.bridge(br)) {
          if (mayExist) break;
          return failure(`ovs-vsctl: cannot create a bridge named ${br} because a bridge named ${br} already exists`);
        }
        world.bridges.set(br, new Bridge(br, world.now));
        break;
      }
      case "del-br": {
        const br = rest[0] ?? "";
        if (!world.bridges.delete(br) && !ifExists) return failure(`ovs-vsctl: no bridge named ${br}`);
        break;
      }
      case "list-br":
        out.push(...[...world.bridges.keys()].sort());
        break;
      case "br-exists":
        if (!world.bridge(rest[0] ?? "")) return { stdout: out, stderr: [], ok: false };
        break;
      case "set": {
        const [table, record, ...settings] = rest;
        if (table !== "bridge" && table !== "Bridge") return failure(`ovs-vsctl: unknown table "${table}"`);
        const br = world.bridge(record ?? "");
        if (!br) return failure(`ovs-vsctl: no row "${record}" in table Bridge`);
        for (const s of settings) {
          const [key, value = ""] = s.split("=");
          if (key === "datapath_type") br.datapathType = value;
          else if (key === "fail_mode" || key === "fail-mode") br.failMode = value === "secure" ? "secure" : "standalone";
          else return failure(`ovs-vsctl: Bridge does not contain a column whose name matches "${key}"`);
        }
        break;
      }
      default:
        return failure(`ovs-vsctl: unknown command '${name}'; use --help for help`);
    }
  }
  return output(out);
}
