/**
 * `ovstest`, OVS's test executable (tests/ovstest.c), for the test programs ovsim has an
 * equivalent of: `ovstest test-classifier [--versioned] COMMAND` runs OVS's classifier
 * checks on ovsim's classifier (src/ovstest/test-classifier.ts). As OVS's, it prints nothing
 * and exits 0 when every check holds; a failed check prints its step and the differing
 * lookup on standard error and exits 1. `ovstest test-netflow` is OVS's NetFlow collector, a
 * daemon of the simulated host (ovstest-netflow.ts, ovstest-daemon.ts), as is `ovstest
 * test-sflow`, OVS's sFlow collector (ovstest-sflow.ts). Other test programs are not in ovsim.
 */
import type { CommandResult } from "./command-result.js";
import type { LineIo } from "./ovstest-daemon.js";
import { testNetflow } from "./ovstest-netflow.js";
import { testSflow } from "./ovstest-sflow.js";
import type { Switch } from "../vswitchd/switch.js";
import { failure, output } from "./command-result.js";
import { ClassifierCheckError } from "../ovstest/cls-compare.js";
import { isTestClassifierCommand, MINIFLOW_COMMANDS, runTestClassifier, testClassifierCommands, VersionsNotModelled } from "../ovstest/test-classifier.js";

function testClassifier(args: readonly string[]): CommandResult {
  let rest = args;
  const versioned = rest[0] === "--versioned";
  if (versioned) rest = rest.slice(1);
  const [command, ...extra] = rest;
  if (command === undefined) return failure("ovstest: missing command name; use --help for help");
  if (command === "--help") {
    return output(["usage: ovstest test-classifier TEST [TESTARGS]", "where TEST is one of the following:", "", testClassifierCommands().join(", ")]);
  }
  if (MINIFLOW_COMMANDS.includes(command)) {
    return failure(`ovsim: ovstest test-classifier ${command}: ovsim has no miniflow (its flow keys and masks are fixed-layout word arrays), nothing to check`);
  }
  if (!isTestClassifierCommand(command)) return failure(`ovstest: unknown command '${command}'; use --help for help`);
  if (extra.length > 0) return failure(`ovstest: '${command}' command takes at most 0 arguments`);
  try {
    runTestClassifier(command, { versioned });
  } catch (e) {
    if (e instanceof ClassifierCheckError) return failure(`ovstest: test-classifier ${command}: check failed: ${e.message}`);
    if (e instanceof VersionsNotModelled) return failure(`ovsim: ovstest test-classifier ${e.message}`);
    throw e;
  }
  return output([]);
}

/**
 * Runs one `ovstest` command line (its arguments after the program name). The daemons
 * (test-netflow) run on switch `sw`, printing to the file `io` names as standard output.
 */
export function runOvstest(args: readonly string[], sw?: Switch, io?: LineIo): CommandResult {
  const [program, ...rest] = args;
  if (program === undefined) return failure("ovstest: expect test program to be specified; use --help for usage");
  if (program === "test-classifier") return testClassifier(rest);
  if (program === "test-netflow" && sw !== undefined) return testNetflow(sw, rest, io);
  if (program === "test-sflow" && sw !== undefined) return testSflow(sw, rest, io);
  return failure(`ovsim: ovstest ${program}: command not supported`);
}
