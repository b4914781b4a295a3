/**
 * The trace view: the pipeline the packet took, drawn from the diagram
 * model (src/diagram: the tables it visited with all their flows, the
 * matched flow highlighted in each, arrows for resubmit / goto_table /
 * patch ports / tunnels), a step control through the trace action by
 * action with the packet's fields beside it, then the datapath actions,
 * the megaflow and the outputs.
 */
import { toSvg } from "../../src/diagram/graph-svg.js";
import { restrictGraph, rowOf, tableGraph, tableNodeId } from "../../src/diagram/table-graph.js";
import type { Switch } from "../../src/vswitchd/switch.js";
import type { Trace } from "../../src/vswitchd/trace.js";
import { clear, h } from "./dom.js";
import { traceTicks } from "./trace-steps.js";

export function renderTrace(root: HTMLElement, sw: Switch, bridges: readonly string[], trace: Trace): void {
  clear(root);
  const graph = tableGraph(sw, bridges);
  const rows = trace.steps.map((s) => {
    const id = tableNodeId(s.bridge, s.table);
    const node = graph.nodes.find((n) => n.id === id);
    const row = node === undefined || s.rule === null ? -1 : rowOf(node, s.rule.priority, s.rule.match);
    return { id, row };
  });
  const view = restrictGraph(graph, new Set(rows.map((r) => r.id)));
  const highlight = new Set(rows.filter((r) => r.row >= 0).map((r) => `${r.id}#${r.row}`));
  const ticks = traceTicks(trace);
  let at = 0;

  const pipeline = h("div", { class: "pipeline" });
  const where = h("div", { class: "tick", "data-testid": "tick" });
  const fields = h("table", { class: "fields" });
  const back = h("button", { class: "step-back", title: "step back" }, "\u25c0 back");
  const fwd = h("button", { class: "step-forward", title: "step forward" }, "forward \u25b6");
  const first = h("button", { class: "step-first", title: "first step" }, "first");
  const last = h("button", { class: "step-last", title: "last step" }, "last");

  const draw = (): void => {
    const t = ticks[at];
    if (t === undefined) return;
    const cur = rows[t.step];
    const svg = toSvg(view, { highlight, rankdir: "TB", ...(cur === undefined || cur.row < 0 ? {} : { current: `${cur.id}#${cur.row}` }) });
    pipeline.innerHTML = svg; // our own SVG writer's output, every text XML-escaped (graph-svg.ts)
    pipeline.querySelector("g.current")?.scrollIntoView({ block: "nearest", inline: "nearest" });
    where.textContent = `step ${at + 1} of ${ticks.length}: ${t.text}`;
    where.dataset["step"] = String(at);
    clear(fields);
    for (const [k, v] of t.fields) {
      fields.append(h("tr", t.changed.has(k) ? { class: "changed" } : {}, h("th", {}, k), h("td", {}, v)));
    }
    back.toggleAttribute("disabled", at === 0);
    first.toggleAttribute("disabled", at === 0);
    fwd.toggleAttribute("disabled", at === ticks.length - 1);
    last.toggleAttribute("disabled", at === ticks.length - 1);
  };
  back.addEventListener("click", () => {
    at = Math.max(0, at - 1);
    draw();
  });
  fwd.addEventListener("click", () => {
    at = Math.min(ticks.length - 1, at + 1);
    draw();
  });
  first.addEventListener("click", () => {
    at = 0;
    draw();
  });
  last.addEventListener("click", () => {
    at = ticks.length - 1;
    draw();
  });

  const path = h("ol", { class: "path" }, ...trace.steps.map((s) => h("li", { "data-table": tableNodeId(s.bridge, s.table) }, `${s.bridge} table ${s.table}: ${s.rule === null ? "miss" : `priority=${s.rule.priority}${s.rule.match === "" ? "" : `,${s.rule.match}`} actions=${s.rule.actions}`}`)));
  const results = h(
    "dl",
    { class: "results" },
    h("dt", {}, "Datapath actions"),
    h("dd", { class: "odp-actions", "data-testid": "odp-actions" }, trace.datapathActions),
    h("dt", {}, "Megaflow"),
    h("dd", { class: "megaflow" }, trace.megaflow),
    h("dt", {}, "Outputs"),
    h("dd", { class: "outputs" }, trace.outputs.length === 0 ? "none" : trace.outputs.map((o) => (o.bridge === null ? `datapath port ${o.odpPort}` : `${o.bridge}/${o.port} (ofport ${o.ofport})`)).join(", ")),
    ...(trace.error === null ? [] : [h("dt", {}, "Error"), h("dd", { class: "xlate-error" }, trace.error)]),
  );
  root.append(
    h("div", { class: "stepper" }, first, back, fwd, last, where),
    h("div", { class: "trace-body" }, pipeline, h("div", { class: "side" }, h("h4", {}, "Packet fields"), fields)),
    path,
    results,
  );
  draw();
}
