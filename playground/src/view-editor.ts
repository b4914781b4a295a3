/**
 * A bridge's flow editor: its flows in ovs-ofctl syntax, one a line, and
 * Apply. A refused line is shown under the text with a caret at the column
 * OVS's error names (the token it refused), and the bridge keeps its flows.
 */
import { clear, h } from "./dom.js";
import type { FlowEditError } from "./session.js";

export interface EditorHandle {
  readonly root: HTMLElement;
  setText(text: string): void;
  text(): string;
  showErrors(errors: readonly FlowEditError[]): void;
}

export function flowEditor(bridge: string, text: string, apply: (text: string) => void): EditorHandle {
  const area = h("textarea", { class: "flows", spellcheck: "false", "data-bridge": bridge, rows: String(Math.min(14, Math.max(4, text.split("\n").length + 1))) });
  area.value = text;
  const errors = h("div", { class: "errors", "data-bridge": bridge });
  const button = h("button", { class: "apply", "data-bridge": bridge }, "Apply");
  button.addEventListener("click", () => apply(area.value));
  const root = h("section", { class: "editor" }, h("h3", {}, `${bridge} flows`), area, h("div", { class: "row" }, button), errors);
  return {
    root,
    setText(t: string) {
      area.value = t;
    },
    text: () => area.value,
    showErrors(list: readonly FlowEditError[]) {
      clear(errors);
      const lines = area.value.split("\n");
      for (const e of list) {
        const src = lines[e.line - 1] ?? "";
        const caret = `${" ".repeat(Math.max(0, e.column - 1))}${"^".repeat(Math.max(1, Math.min(e.length, src.length - e.column + 1)))}`;
        errors.append(h("div", { class: "error", "data-line": String(e.line), "data-column": String(e.column) }, h("div", {}, `line ${e.line}, column ${e.column}: ${e.message}`), h("pre", {}, `${src}\n${caret}`)));
      }
    },
  };
}
