/**
 * ovs-ofctl's global options (utilities/ovs-ofctl.c `parse_options`, OVS 3.1),
 * read as getopt_long reads them, up to the first word that is not an option.
 *
 * Options that change what one switch prints or does:
 * - `-O/--protocols LIST`: the OpenFlow versions; the highest one usable is
 *   negotiated. `--bundle` adds OpenFlow 1.4 and drops versions without
 *   bundles when none listed has them.
 * - `-F/--flow-format LIST`: the flow formats ovs-ofctl may use
 *   (`OpenFlow10`, `NXM`, `OXM`, `any` and the single formats, e.g.
 *   `NXM+table_id`, `OXM-OpenFlow13`), narrowed to the versions' own; none
 *   left is OVS's "None of the enabled OpenFlow versions ..." error, and a
 *   flow no allowed format can carry is "none of the usable flow formats ...".
 * - `--strict`, `--readd` (replace-flows re-adds flows that did not change),
 *   `--names` (port names printed) / `--no-names` (port names neither
 *   printed nor read), `--stats`/`--no-stats`, `--sort[=FIELD]` /
 *   `--rsort[=FIELD]` (dump-flows; a final descending priority pass),
 *   `--may-create` (mod-group adds a missing group).
 *
 * Accepted without effect, as they change only commands, connections or logs
 * ovsim does not have: `-t/--timeout` (checked), `-m/--more`, `--timestamp`,
 * `--unixctl`, `-P/--packet-in-format` (checked),
 * `--read-only`, `--pcap`, `--raw`, the daemon, logging and SSL options, and
 * `--color` when it means no colour (`never`, or `auto`: the output is no
 * terminal). Refused with a message: `--color=always` (ovsim prints no
 * colours). `-V` prints OVS's version lines, `-o` its options. Long options
 * are whole words (getopt_long's unique abbreviations are not read).
 */
import { fieldByName } from "../flowtable/fields.js";
import { tunMetadataIndex } from "../flowtable/tun-metadata-match.js";
import { P, P_ANY, P_ANY_OXM, P_OF10_NXM_ANY, P_OF10_STD_ANY, protocolsForVersion, protocolsToString } from "../flowtable/openflow-protocols.js";
import type { SortCriterion } from "../vswitchd/flow-sort.js";
import type { OfVersion } from "./ofctl-messages.js";
import type { TableNameMap } from "../flowtable/table-names.js";


export interface OfctlOptions {
  strict: boolean;
  noStats: boolean;
  /** The OpenFlow version negotiated with the switch. */
  version: OfVersion;
  /** The flow formats ovs-ofctl may use (`-F`, OVS's allowed_protocols), within the versions'. */
  flowFormats: number;
  /** `--names`: port names in printed flows. */
  names: boolean;
  /** False with `--no-names`: port names are not read in flows or port arguments either. */
  portNames: boolean;
  /** `--sort` / `--rsort` criteria in order, the final priority pass included. */
  sort: readonly SortCriterion[];
  /** `--readd`: replace-flows sends every flow of the file, changed or not. */
  readd: boolean;
  /** `--may-create`: mod-group adds the group when it is missing (OFPGC11_ADD_OR_MOD). */
  mayCreate: boolean;
  /** `--bundle`: flow and group commands send their mods in one atomic bundle (ofctl-bundle.ts). */
  bundle: boolean;
  /** `-m`/`--more`, once per time given (OVS's verbosity): parse-nxm/parse-oxm dump their bytes. */
  more: number;
  /** The switch's flow table names (its table features'), once a bridge is named: `table=zero` in flows. */
  tableNames?: TableNameMap;
}

/** What parsing the options gave: the options and the command's words, `-h`, `-V`'s lines, or an error line. */
export type ParsedOfctlArgs =
  | { kind: "run"; options: OfctlOptions; args: string[] }
  | { kind: "help" }
  | { kind: "print"; lines: string[] }
  | { kind: "error"; message: string };

const VERSIONS: readonly OfVersion[] = [10, 11, 12, 13, 14, 15];
/** `ovs-ofctl -V` (OVS 3.1 as the sandbox has it). */
const VERSION_LINES = ["ovs-ofctl (Open vSwitch) 3.1.0", "OpenFlow versions 0x1:0x6"];

/** The single flow formats by name (ofputil_protocol_to_string), then the abbreviations. */
const FORMAT_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["OpenFlow10-table_id", P.OF10_STD],
  ["OpenFlow10+table_id", P.OF10_STD_TID],
  ["NXM-table_id", P.OF10_NXM],
  ["NXM+table_id", P.OF10_NXM_TID],
  ["OpenFlow11", P.OF11_STD],
  ["OXM-OpenFlow12", P.OF12_OXM],
  ["OXM-OpenFlow13", P.OF13_OXM],
  ["OXM-OpenFlow14", P.OF14_OXM],
  ["OXM-OpenFlow15", P.OF15_OXM],
  ["any", P_ANY],
  ["OpenFlow10", P_OF10_STD_ANY],
  ["NXM", P_OF10_NXM_ANY],
  ["OXM", P_ANY_OXM],
];

/** OVS's ofputil_protocols_from_string: comma-separated names, any case. */
function parseFlowFormats(list: string): number | string {
  let formats = 0;
  for (const word of list.split(",")) {
    if (word === "") continue;
    const found = FORMAT_NAMES.find(([n]) => n.toLowerCase() === word.toLowerCase());
    if (found === undefined) return `${word}: unknown flow protocol`;
    formats |= found[1];
  }
  return formats === 0 ? `${list}: no flow protocol specified` : formats;
}

/** The versions a `-O` list names (any case), or OVS's error. */
function parseVersions(list: string): Set<OfVersion> | string {
  const out = new Set<OfVersion>();
  for (const word of list.split(",")) {
    const w = word.trim().toLowerCase();
    if (w === "") continue;
    const v = VERSIONS.find((x) => `openflow${x}` === w);
    if (v === undefined) return `Unknown OpenFlow version: "${word}"`;
    out.add(v);
  }
  return out;
}

/** An option: its long name, whether it takes a value (or may), and its short letter. */
interface OptionSpec {
  readonly name: string;
  readonly arg: "none" | "required" | "optional";
  readonly short: string | null;
}

/** OVS 3.1's ovs-ofctl options, in the order `--option` lists them (as the sandbox's binary has them). */
const OPTIONS: readonly OptionSpec[] = (
  [
    ["timeout", "required", "t"], ["strict", "none"], ["readd", "none"], ["flow-format", "required", "F"],
    ["packet-in-format", "required", "P"], ["more", "none", "m"], ["timestamp", "none"], ["sort", "optional"],
    ["rsort", "optional"], ["names", "none"], ["no-names", "none"], ["stats", "none"], ["no-stats", "none"],
    ["unixctl", "required"], ["help", "none", "h"], ["option", "none", "o"], ["bundle", "none"], ["color", "optional"],
    ["may-create", "none"], ["pcap", "none"], ["raw", "none"], ["read-only", "none"], ["detach", "none"],
    ["no-self-confinement", "none"], ["no-chdir", "none"], ["pidfile", "optional"], ["overwrite-pidfile", "none"],
    ["monitor", "none"], ["user", "required"], ["version", "none", "V"], ["protocols", "required", "O"],
    ["verbose", "optional", "v"], ["log-file", "optional"], ["syslog-method", "required"], ["syslog-target", "required"],
    ["private-key", "required", "p"], ["certificate", "required", "c"], ["ca-cert", "required", "C"],
    ["ssl-protocols", "required"], ["ssl-ciphers", "required"],
  ] as ReadonlyArray<readonly [string, OptionSpec["arg"], string?]>
).map(([name, arg, short]) => ({ name, arg, short: short ?? null }));

const LONG: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map((o) => [o.name, o]));
/** Short options and the long option each stands for. */
const SHORT: ReadonlyMap<string, string> = new Map(OPTIONS.flatMap((o) => (o.short === null ? [] : [[o.short, o.name] as const])));

/** `ovs-ofctl --option` (ovs_cmdl_print_options): each option, long then short form. */
const OPTION_LINES: readonly string[] = OPTIONS.flatMap((o) => {
  const long = `--${o.name}${o.arg === "required" ? "=ARG" : o.arg === "optional" ? "=[ARG]" : ""}`;
  if (o.short === null) return [long];
  return [long, `-${o.short}${o.arg === "required" ? " ARG" : o.arg === "optional" ? " [ARG]" : " "}`];
});

const COLOR_ON = new Set(["always", "yes", "force"]);
const COLOR_OFF = new Set(["never", "no", "none", "auto", "tty", "if-tty"]);

/** ovs-ofctl's own words for a version set (ofputil_format_version_bitmap_names). */
function versionNames(versions: ReadonlySet<OfVersion>): string {
  return VERSIONS.filter((v) => versions.has(v)).map((v) => `OpenFlow${v}`).join(", ");
}

/** Mutable state while reading the options. */
interface Reading {
  readonly o: OfctlOptions;
  versions: Set<OfVersion>;
  formats: number;
  bundle: boolean;
  readonly sort: SortCriterion[];
}

/** Applies one option; a string is the error line (or "-V"/"-h" requests). */
function apply(r: Reading, name: string, value: string | undefined): string | null {
  switch (name) {
    case "strict":
      r.o.strict = true;
      return null;
    case "readd":
      r.o.readd = true;
      return null;
    case "may-create":
      r.o.mayCreate = true;
      return null;
    case "names":
    case "no-names":
      r.o.names = name === "names";
      r.o.portNames = name === "names";
      return null;
    case "stats":
    case "no-stats":
      r.o.noStats = name === "no-stats";
      return null;
    case "bundle":
      r.bundle = true;
      r.o.bundle = true;
      return null;
    case "timeout":
      return /^\d+$/.test(value ?? "") && Number(value) > 0 && Number(value) <= 0xffffffff ? null : `value ${value ?? ""} on -t or --timeout is invalid`;
    case "packet-in-format":
      return ["standard", "openflow10", "nxt_packet_in", "nxm", "nxt_packet_in2"].includes(value ?? "") ? null : `unknown packet-in format \`${value ?? ""}'`;
    case "flow-format": {
      const f = parseFlowFormats(value ?? "");
      if (typeof f === "string") return f;
      r.formats = f;
      return null;
    }
    case "protocols": {
      const v = parseVersions(value ?? "");
      if (typeof v === "string") return v;
      r.versions = v;
      return null;
    }
    case "sort":
    case "rsort": {
      const tunMetadata = value === undefined ? undefined : tunMetadataIndex(value);
      if (tunMetadata !== undefined) {
        r.sort.push({ field: null, descending: name === "rsort", tunMetadata });
        return null;
      }
      const field = value === undefined || value.toLowerCase() === "priority" ? null : fieldByName(value);
      if (field === undefined) return `${value ?? ""}: unknown field name`;
      r.sort.push({ field, descending: name === "rsort" });
      return null;
    }
    case "more":
      r.o.more++;
      return null;
    case "color": {
      const c = value?.toLowerCase();
      if (c === undefined || COLOR_OFF.has(c)) return null;
      if (COLOR_ON.has(c)) return "--color: ovsim prints no colours (the output is no terminal)";
      return `incorrect value \`${value ?? ""}' for --color`;
    }
    default:
      // -m, --timestamp, --unixctl, --read-only, --pcap, --raw and the daemon,
      // logging and SSL options: they change nothing a switch named by its bridge prints
      // (ovsim has no monitor, daemon mode, log or SSL; -v's debug log is not printed).
      return null;
  }
}

/** The version bitmap and flow formats settled as parse_options does after the last option. */
function settle(r: Reading): string | null {
  let versions = r.versions;
  if (r.bundle && ![13, 14, 15].some((v) => versions.has(v as OfVersion))) {
    versions = new Set([...versions, 14 as OfVersion].filter((v) => v >= 13));
  }
  let versionFormats = 0;
  for (const v of versions) versionFormats |= protocolsForVersion(`OpenFlow${v}`);
  if ((r.formats & versionFormats) === 0) {
    return (
      `None of the enabled OpenFlow versions (${versionNames(versions)}) supports any of the enabled flow formats ` +
      `(${protocolsToString(r.formats)}).  (Use -O to enable additional OpenFlow versions or -F to enable additional flow formats.)`
    );
  }
  r.o.flowFormats = r.formats & versionFormats;
  const usable = VERSIONS.filter((v) => versions.has(v) && (protocolsForVersion(`OpenFlow${v}`) & r.o.flowFormats) !== 0);
  r.o.version = usable.at(-1) ?? 10;
  // Always a final pass on priority, highest first.
  r.o.sort = r.sort.length > 0 ? [...r.sort, { field: null, descending: true }] : [];
  return null;
}

/** The options that answer at once instead of running a command (`--help`, `--version`, `--option`), long or short. */
function answerOption(name: string): ParsedOfctlArgs | null {
  if (name === "help") return { kind: "help" };
  if (name === "version") return { kind: "print", lines: [...VERSION_LINES] };
  if (name === "option") return { kind: "print", lines: [...OPTION_LINES] };
  return null;
}

/**
 * Reads ovs-ofctl's options from `argv` (options may come before or among the
 * command's words, as getopt_long permutes them; `--` ends them).
 */
export function parseOfctlArgs(argv: readonly string[]): ParsedOfctlArgs {
  const o: OfctlOptions = { strict: false, noStats: false, version: 10, flowFormats: P_ANY, names: false, portNames: true, sort: [], readd: false, mayCreate: false, bundle: false, more: 0 };
  const r: Reading = { o, versions: new Set([10]), formats: P_ANY, bundle: false, sort: [] };
  const args: string[] = [];
  const fail = (message: string): ParsedOfctlArgs => ({ kind: "error", message: `ovs-ofctl: ${message}` });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = LONG.get(name);
      if (spec === undefined) return fail(`unrecognized option '${a}'`);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (spec.arg === "none" && value !== undefined) return fail(`option '--${name}' doesn't allow an argument`);
      if (spec.arg === "required" && value === undefined) {
        if (i + 1 >= argv.length) return fail(`option '--${name}' requires an argument`);
        value = argv[++i];
      }
      const done = answerOption(name);
      if (done !== null) return done;
      const err = apply(r, name, value);
      if (err !== null) return fail(err);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      // A cluster of short options; one that takes a value takes the rest of the word, or the next word.
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        const name = SHORT.get(c);
        if (name === undefined) return fail(`invalid option -- '${c}'`);
        const spec = LONG.get(name) as OptionSpec;
        let value: string | undefined;
        if (spec.arg !== "none") {
          value = a.slice(j + 1);
          if (value === "") value = spec.arg === "required" ? argv[++i] : undefined;
          if (spec.arg === "required" && value === undefined) return fail(`option requires an argument -- '${c}'`);
          j = a.length;
        }
        const done = answerOption(name);
        if (done !== null) return done;
        const err = apply(r, name, value);
        if (err !== null) return fail(err);
      }
      continue;
    }
    args.push(a);
  }
  const err = settle(r);
  return err !== null ? fail(err) : { kind: "run", options: o, args };
}
