/**
 * The step runner: one function per op, as CLOUD-FORMAT.md (the five both
 * sides understand) and docs/cloud.md (ovsim's own) define them.
 *
 * - plug_ports / unplug_ports / boot / delete / migrate: nova.ts;
 * - l2pop_fdb_add / l2pop_fdb_remove: the flat entries grouped into the wire
 *   form (fdb-wire.ts) and handed to the host's agent as the server's cast
 *   (whatever its l2_population, as the oracle calls the agent's entry point
 *   directly), then one loop iteration;
 * - run: each command through runLine (src/utilities) on the host's
 *   switch, printed `### COMMAND` (`### HOST: COMMAND` with several hosts)
 *   and then its stdout; its stderr to stderr; a failing command fails the
 *   step, the run goes on (as ovs-run);
 * - advance: whole virtual seconds tick (agents iterate), the rest only
 *   moves the clock;
 * - ping / ping_all / ping_matrix / trace: traffic.ts;
 * - restart_agent: a new agent on the same switch (its __init__ again: new
 *   cookies from the host's stream), then the loop until every port
 *   plugged on the host has been reported again (the restarted agent's
 *   first iteration treats them all as new), plus two iterations;
 * - restart_ovs: ovs-vswitchd restarts with its database: every flow of the
 *   host's bridges is gone (ports and ofports stay); the agent finds its
 *   canary flow missing, sets its bridges up again and reports its ports
 *   again; waited for as restart_agent;
 * - update_port: the server updates the port and casts port_update; if the
 *   port is plugged, the loop runs until the agent has reported it again
 *   (down for admin_state_up false: its VLAN becomes the dead VLAN 4095);
 * - delete_network: refused by the server while ports use the network
 *   (Neutron's NetworkInUse, the step fails); else network_delete is cast
 *   and two iterations run.
 */
import { NeutronApiError } from "./server.js";
import { runLine } from "../utilities/run-script.js";
import type { CloudStep } from "./cloud-types.js";
import type { Cloud } from "./cloud.js";
import { CloudStepError, SETTLE_ITERATIONS } from "./cloud.js";
import { fdbWireFormat } from "./fdb-wire.js";
import { boot, deleteVm, migrate, plugPorts, unplugPorts } from "./nova.js";
import { ping, pingAll, pingMatrix, trace } from "./traffic.js";
import { updateSecurityGroup } from "./security-group-steps.js";

/** Runs `step`; false when it failed but the run may go on. Throws CloudStepError when the run must stop. */
export function runStep(cloud: Cloud, step: CloudStep): boolean {
  switch (step.op) {
    case "plug_ports":
      plugPorts(cloud, step);
      return true;
    case "unplug_ports":
      unplugPorts(cloud, step);
      return true;
    case "l2pop_fdb_add":
    case "l2pop_fdb_remove": {
      const entries = fdbWireFormat(step.entries);
      cloud.server.send(step.host, { method: step.op === "l2pop_fdb_add" ? "add_fdb_entries" : "remove_fdb_entries", entries });
      cloud.deliver();
      cloud.settle(1);
      return true;
    }
    case "run":
      return runCommands(cloud, step.host, step.commands);
    case "boot":
      boot(cloud, step);
      return true;
    case "delete":
      deleteVm(cloud, step);
      return true;
    case "migrate":
      migrate(cloud, step);
      return true;
    case "advance":
      advance(cloud, step.seconds);
      return true;
    case "ping":
      return ping(cloud, step);
    case "ping_all":
      return pingAll(cloud, step);
    case "ping_matrix":
      return pingMatrix(cloud, step);
    case "trace":
      return trace(cloud, step);
    case "restart_agent":
    case "restart_ovs":
      restart(cloud, step);
      return true;
    case "update_port":
      return updatePort(cloud, step);
    case "delete_network":
      return deleteNetwork(cloud, step);
    case "update_security_group":
      return updateSecurityGroup(cloud, step);
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

function runCommands(cloud: Cloud, host: string, commands: readonly string[]): boolean {
  const sw = cloud.switchOf(host);
  let ok = true;
  for (const command of commands) {
    cloud.out(cloud.multiHost ? `### ${host}: ${command}` : `### ${command}`);
    const r = runLine(sw, command);
    for (const l of r.stdout) cloud.out(l);
    for (const l of r.stderr) cloud.err(cloud.multiHost ? `${host}: ${l}` : l);
    ok &&= r.ok;
  }
  return ok;
}

function advance(cloud: Cloud, seconds: number): void {
  const whole = Math.floor(seconds);
  for (let i = 0; i < whole; i++) cloud.tick();
  const rest = (seconds - whole) * 1000;
  if (rest > 0) cloud.sim.run(cloud.nowMs + rest);
}

function pluggedOn(cloud: Cloud, host: string): string[] {
  return [...cloud.vms.values()].filter((v) => v.host === host).map((v) => v.portId);
}

function restart(cloud: Cloud, step: CloudStep & { readonly op: "restart_agent" | "restart_ovs" }): void {
  const since = cloud.server.reports.length;
  if (step.op === "restart_agent") {
    cloud.startAgent(step.host);
  } else {
    const sw = cloud.switchOf(step.host);
    for (const br of sw.bridgeNames()) sw.deleteFlows(br);
    cloud.afterOvsRestart(step.host);
  }
  const ports = pluggedOn(cloud, step.host);
  if (ports.length > 0) cloud.waitForReports(step, ports, since, true);
  else cloud.settle(SETTLE_ITERATIONS);
}

function updatePort(cloud: Cloud, step: CloudStep & { readonly op: "update_port" }): boolean {
  const vm = cloud.findVm(step.port);
  const portId = vm?.portId ?? step.port;
  if (cloud.server.port(portId) === undefined) throw new CloudStepError(step.index, step.op, `no port ${step.port}`);
  const since = cloud.server.reports.length;
  cloud.server.updatePort(portId, step.changes);
  cloud.deliver();
  if (cloud.vms.has(portId)) cloud.waitForReports(step, [portId], since, true);
  return true;
}

function deleteNetwork(cloud: Cloud, step: CloudStep & { readonly op: "delete_network" }): boolean {
  try {
    cloud.server.deleteNetwork(step.networkId);
  } catch (e) {
    if (!(e instanceof NeutronApiError)) throw e;
    cloud.err(`ovsim cloud: step ${step.index} (delete_network): ${e.type}: ${e.message}`);
    return false;
  }
  cloud.deliver();
  cloud.settle(SETTLE_ITERATIONS);
  return true;
}
