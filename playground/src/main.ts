/**
 * The playground page: a lesson menu, per bridge a flow editor, a packet
 * form, the trace view and (cloud lessons) boot and ping. Everything it
 * shows comes from Session (session.ts), the library running in the page.
 */
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { toHex } from "../../src/datapath/packet/packet.js";
import { parseTraceFlow } from "../../src/vswitchd/trace.js";
import { clear, h } from "./dom.js";
import { LESSONS, lessonById } from "./lessons/index.js";
import type { Lesson } from "./lessons/lesson.js";
import { flowLines, Session } from "./session.js";
import type { SendResult } from "./session.js";
import { decodeState, encodeState } from "./share.js";
import type { SharedState } from "./share.js";
import type { EditorHandle } from "./view-editor.js";
import { flowEditor } from "./view-editor.js";
import { renderTrace } from "./view-trace.js";

interface PageWindow extends Window {
  /** performance.now() when the first trace was drawn (read by the browser tests). */
  __ovsimFirstTrace?: number;
  __ovsimReady?: boolean;
}
const win = window as PageWindow;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from index.html`);
  return el as T;
};

const lessonSelect = $<HTMLSelectElement>("lesson");
const hostSelect = $<HTMLSelectElement>("host");
const lessonText = $("lesson-text");
const editors = $("editors");
const bridgeSelect = $<HTMLSelectElement>("packet-bridge");
const modeSelect = $<HTMLSelectElement>("packet-mode");
const flowInput = $<HTMLInputElement>("packet-flow");
const hexInput = $<HTMLTextAreaElement>("packet-hex");
const hexPort = $<HTMLInputElement>("packet-hex-port");
const fieldsForm = $("packet-fields");
const suggestions = $("suggestions");
const traceRoot = $("trace");
const sendRoot = $("send-result");
const cloudRoot = $("cloud");
const status = $("status");

let session: Session;
let editorHandles = new Map<string, EditorHandle>();
/** Edited flow text by "HOST/BRIDGE". */
let edits = new Map<string, string>();

for (const l of LESSONS) lessonSelect.append(h("option", { value: l.id }, l.title));

function say(text: string, error = false): void {
  status.textContent = text;
  status.className = error ? "error" : "";
}

function flowsKey(bridge: string): string {
  return `${session.host}/${bridge}`;
}

function shareState(): SharedState {
  return {
    lesson: session.lesson.id,
    ...(session.cloud === null ? {} : { host: session.host }),
    flows: Object.fromEntries(edits),
    packet: { bridge: bridgeSelect.value, flow: currentFlow() },
    steps: session.studentSteps,
  };
}

function drawEditors(): void {
  clear(editors);
  editorHandles = new Map();
  for (const b of session.bridges()) {
    const ed = flowEditor(b, flowText(b), (text) => {
      const errors = session.applyFlows(b, text);
      ed.showErrors(errors);
      if (errors.length === 0) {
        edits.set(flowsKey(b), text);
        say(`${b}: flows replaced`);
        traceNow();
      } else say(`${b}: ${errors.length} line(s) refused; the bridge keeps its flows`, true);
    });
    editorHandles.set(b, ed);
    editors.append(ed.root);
  }
}

function flowText(bridge: string): string {
  return flowLines(session.sw, bridge);
}

function refreshEditors(): void {
  for (const [b, ed] of editorHandles) ed.setText(flowText(b));
}

function drawBridges(): void {
  clear(bridgeSelect);
  for (const b of session.bridges()) bridgeSelect.append(h("option", { value: b }, b));
}

/** The packet as an ofproto/trace flow, from whichever form is shown. */
function currentFlow(): string {
  if (modeSelect.value === "hex") return session.packetFlow({ bridge: bridgeSelect.value, inPort: hexPort.value.trim() || "1", hex: hexInput.value.trim() });
  if (modeSelect.value === "fields") return fieldsFlow();
  return flowInput.value.trim();
}

const FIELD_NAMES = ["in_port", "dl_vlan", "dl_src", "dl_dst", "nw_src", "nw_dst", "nw_ttl", "tp_src", "tp_dst"] as const;

function fieldsFlow(): string {
  const proto = (fieldsForm.querySelector("[name=proto]") as HTMLSelectElement).value;
  const parts = [proto];
  for (const n of FIELD_NAMES) {
    const v = (fieldsForm.querySelector(`[name=${n}]`) as HTMLInputElement).value.trim();
    if (v === "") continue;
    if ((n === "tp_src" || n === "tp_dst") && !/^(tcp|udp)$/.test(proto)) continue;
    if (n.startsWith("nw_") && proto === "arp") parts.push(`${n === "nw_src" ? "arp_spa" : n === "nw_dst" ? "arp_tpa" : ""}=${v}`);
    else parts.push(`${n}=${v}`);
  }
  return parts.filter((p) => !p.startsWith("=")).join(",");
}

function fillFields(flow: string): void {
  const pairs = new Map<string, string>(flow.split(",").map((t): [string, string] => {
    const eq = t.indexOf("=");
    return eq < 0 ? [t, ""] : [t.slice(0, eq), t.slice(eq + 1)];
  }));
  const protoSel = fieldsForm.querySelector("[name=proto]") as HTMLSelectElement;
  protoSel.value = ["tcp", "udp", "icmp", "arp", "ip"].find((p) => pairs.has(p)) ?? "ip";
  for (const n of FIELD_NAMES) {
    const alt = n === "nw_src" ? "arp_spa" : n === "nw_dst" ? "arp_tpa" : n;
    (fieldsForm.querySelector(`[name=${n}]`) as HTMLInputElement).value = pairs.get(n) ?? pairs.get(alt) ?? "";
  }
}

function setPacket(bridge: string, flow: string): void {
  if (session.bridges().includes(bridge)) bridgeSelect.value = bridge;
  flowInput.value = flow;
  fillFields(flow);
  try {
    const key = parseTraceFlow(session.sw, bridge, flow);
    hexPort.value = String(key[0]! & 0xffff);
    hexInput.value = toHex(flowCompose(key).data());
  } catch {
    hexInput.value = "";
  }
}

function traceNow(): void {
  try {
    const flow = currentFlow();
    const t = session.trace(bridgeSelect.value, flow);
    renderTrace(traceRoot, session.sw, session.bridges(), t);
    win.__ovsimFirstTrace ??= performance.now();
    say(`traced on ${session.cloud === null ? "" : `${session.host} `}${bridgeSelect.value}`);
  } catch (e) {
    clear(traceRoot);
    say((e as Error).message, true);
  }
}

function showSend(r: SendResult): void {
  clear(sendRoot);
  sendRoot.append(
    h("div", { class: r.hit ? "cache hit" : "cache miss", "data-testid": "cache" }, r.hit ? "megaflow cache hit: the datapath handled it alone, no upcall" : "megaflow cache miss: upcall, translation, megaflow installed"),
    h("h4", {}, "Counters that changed"),
    h("table", { class: "counters" }, ...r.counters.map((c) => h("tr", {}, h("td", {}, `${c.bridge} table ${c.table}`), h("td", {}, c.flow), h("td", {}, `n_packets ${c.before} \u2192 ${c.after}`)))),
    ...(r.added.length === 0 ? [] : [h("h4", {}, "Flows added (learn)"), h("ul", {}, ...r.added.map((a) => h("li", {}, a)))]),
  );
}

function sendNow(): void {
  try {
    const r = session.send(bridgeSelect.value, currentFlow());
    showSend(r);
    refreshEditors();
    say("packet sent into its in_port");
  } catch (e) {
    say((e as Error).message, true);
  }
}

function drawCloud(): void {
  clear(cloudRoot);
  if (session.cloud === null || session.lesson.interactive !== true) return;
  const vm = h("input", { id: "boot-vm", value: `vm-${session.studentSteps.length + 1}`, size: "8" });
  const host = h("select", { id: "boot-host" }, ...session.hosts().map((x) => h("option", { value: x }, x)));
  const from = h("input", { id: "ping-from", value: "a-1", size: "8" });
  const to = h("input", { id: "ping-to", value: "b-1", size: "8" });
  const log = h("pre", { class: "cloud-log", "data-testid": "cloud-log" });
  const run = (what: () => string[]): void => {
    try {
      log.textContent = `${log.textContent ?? ""}${what().join("\n")}\n`;
    } catch (e) {
      say((e as Error).message, true);
      return;
    }
    refreshEditors();
    traceNow();
  };
  const boot = h("button", { id: "boot" }, "Boot VM");
  boot.addEventListener("click", () => run(() => [...session.boot(vm.value.trim(), host.value), `booted ${vm.value.trim()} on ${host.value}`]));
  const ping = h("button", { id: "ping" }, "Ping");
  ping.addEventListener("click", () => run(() => session.ping(from.value.trim(), to.value.trim(), 1)));
  cloudRoot.append(h("h3", {}, "Cloud"), h("div", { class: "row" }, "VM ", vm, " on ", host, boot), h("div", { class: "row" }, "ping from ", from, " to ", to, ping), log);
}

function drawSuggestions(lesson: Lesson): void {
  clear(suggestions);
  [lesson.packet, ...(lesson.more ?? [])].forEach((p, i) => {
    const b = h("button", { class: "suggest", "data-index": String(i) }, i === 0 ? "lesson packet" : `try ${i + 1}`);
    b.addEventListener("click", () => {
      if (p.host !== undefined && p.host !== session.host) switchHost(p.host);
      modeSelect.value = "flow";
      showMode();
      setPacket(p.bridge, session.resolve(p.flow));
      traceNow();
    });
    suggestions.append(b);
  });
}

function switchHost(host: string): void {
  session.host = host;
  hostSelect.value = host;
  drawEditors();
  drawBridges();
}

function showMode(): void {
  for (const m of ["flow", "fields", "hex"]) $(`mode-${m}`).hidden = modeSelect.value !== m;
}

async function load(lesson: Lesson, shared: SharedState | null): Promise<void> {
  const t0 = performance.now();
  say(`${lesson.title}: loading`);
  session = await Session.open(lesson);
  edits = new Map();
  for (const step of shared?.steps ?? []) session.runStep(step);
  lessonSelect.value = lesson.id;
  clear(lessonText);
  lessonText.append(h("h2", {}, lesson.title), ...lesson.text.map((p) => h("p", {}, p)));
  clear(hostSelect);
  for (const x of session.hosts()) hostSelect.append(h("option", { value: x }, x));
  hostSelect.hidden = session.cloud === null;
  $("host-label").hidden = session.cloud === null;
  session.host = shared?.host ?? session.host;
  for (const [key, text] of Object.entries(shared?.flows ?? {})) {
    const [host = "", bridge = ""] = key.split("/");
    const was = session.host;
    session.host = host === "" ? was : host;
    if (session.applyFlows(bridge, text).length === 0) edits.set(key, text);
    session.host = was;
  }
  hostSelect.value = session.host;
  drawEditors();
  drawBridges();
  drawSuggestions(lesson);
  drawCloud();
  clear(sendRoot);
  const p = shared?.packet ?? { bridge: lesson.packet.bridge, flow: session.resolve(lesson.packet.flow) };
  setPacket(p.bridge, p.flow);
  traceNow();
  say(`${lesson.title}: ready in ${Math.round(performance.now() - t0)} ms`);
}

lessonSelect.addEventListener("change", () => {
  const l = lessonById(lessonSelect.value);
  if (l !== undefined) {
    history.replaceState(null, "", location.pathname);
    void load(l, null).catch((e: unknown) => say((e as Error).message, true));
  }
});
hostSelect.addEventListener("change", () => {
  switchHost(hostSelect.value);
  traceNow();
});
modeSelect.addEventListener("change", showMode);
$("trace-button").addEventListener("click", traceNow);
$("send-button").addEventListener("click", sendNow);
$("share").addEventListener("click", () => {
  const url = `${location.origin}${location.pathname}${encodeState(shareState())}`;
  history.replaceState(null, "", url);
  ($("share-url") as HTMLInputElement).value = url;
  void navigator.clipboard?.writeText(url).catch(() => undefined);
  say("the URL holds this state");
});

const shared = decodeState(location.hash);
showMode();
void load(lessonById(shared?.lesson ?? "") ?? LESSONS[0]!, shared)
  .then(() => {
    win.__ovsimReady = true;
  })
  .catch((e: unknown) => say((e as Error).message, true));
