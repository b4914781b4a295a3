/**
 * ofproto-dpif-upcall.c's debugging commands: `upcall/disable-megaflows`
 * and `enable-megaflows` (every datapath flushed, then upcalls install
 * exact-match flows or megaflows: Datapaths.setMegaflows),
 * `upcall/disable-ufid` / `enable-ufid` (how revalidators dump flows: with
 * the ufid alone or with their whole key; ovsim's dumps print the same
 * either way, the switch is kept for `dpif` logging), and
 * `revalidator/pause` / `resume`; lib/odp-execute.c's
 * `odp-execute/action-impl-set` / `-show` (the implementations of the Debian
 * build: scalar and autovalidator). Replies are OVS's words.
 */
import type { Switch } from "../vswitchd/switch.js";
import type { AppctlCommand } from "./appctl-command.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";

const ODP_EXECUTE_IMPLS = ["scalar", "autovalidator"] as const;

/** The commands of this file for appctl.ts's table (usage strings as ofproto-dpif-upcall.c registers them). */
export const UPCALL_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  [
    "upcall/disable-megaflows",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.setMegaflows(false, sw.now);
        return output(["megaflows disabled"]);
      },
    },
  ],
  [
    "upcall/enable-megaflows",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.setMegaflows(true, sw.now);
        return output(["megaflows enabled"]);
      },
    },
  ],
  [
    "upcall/disable-ufid",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.dumpWithUfid = false;
        return output(["Datapath dumping tersely using UFID disabled"]);
      },
    },
  ],
  [
    "upcall/enable-ufid",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.dumpWithUfid = true;
        return output(["Datapath dumping tersely using UFID enabled for supported datapaths"]);
      },
    },
  ],
  [
    "odp-execute/action-impl-set",
    {
      usage: "name",
      minArgs: 1,
      maxArgs: 1,
      run: (sw: Switch, [name = ""]) => {
        const impl = ODP_EXECUTE_IMPLS.find((i) => i === name);
        if (impl === undefined) return serverError(`Error: unknown action implementation, ${name}, specified!`);
        sw.datapaths.odpExecuteImpl = impl;
        return output([`Action implementation set to ${name}.`]);
      },
    },
  ],
  [
    "odp-execute/action-impl-show",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) =>
        output([
          "Available Actions implementations:",
          ...ODP_EXECUTE_IMPLS.map((i) => `  ${i} (available: Yes, active: ${sw.datapaths.odpExecuteImpl === i ? "Yes" : "No"})`),
        ]),
    },
  ],
  [
    "revalidator/pause",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.revalidatorsPaused = true;
        return output([]);
      },
    },
  ],
  [
    "revalidator/resume",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw: Switch) => {
        sw.datapaths.revalidatorsPaused = false;
        return output([]);
      },
    },
  ],
];
