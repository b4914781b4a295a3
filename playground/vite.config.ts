/**
 * The playground's build: a static page from the same library sources
 * (src/), no second implementation. `npm run playground` serves it,
 * `npm run build:playground` writes playground/dist.
 *
 * The Node-only modules on the page's import path, src/utilities/
 * flow-file.ts (node:fs, for `ovs-ofctl add-flows BR FILE`) and
 * src/utilities/host-files.ts (pcap and message files, standard input), are
 * replaced by stand-ins that have no files; the build fails if anything else
 * pulls in a node: module (see `nodeBuiltinsRefused`).
 */
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Each Node-only module of src/utilities (imported as NAME.js) and its browser stand-in. */
const STAND_INS: ReadonlyMap<string, { readonly module: string; readonly browser: string }> = new Map(
  ["flow-file", "host-files"].map((name) => [
    `${name}.js`,
    {
      module: fileURLToPath(new URL(`../src/utilities/${name}.ts`, import.meta.url)),
      browser: fileURLToPath(new URL(`./src/${name}-browser.ts`, import.meta.url)),
    },
  ]),
);

/** Sends the Node-only modules to their browser stand-ins. */
function nodeModulesStandIn(): Plugin {
  return {
    name: "ovsim-node-modules-browser",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (importer === undefined) return null;
      const standIn = STAND_INS.get(source.slice(source.lastIndexOf("/") + 1));
      if (standIn === undefined) return null;
      const r = await this.resolve(source.replace(/\.js$/, ".ts"), importer, { ...options, skipSelf: true });
      return r !== null && r.id === standIn.module ? standIn.browser : null;
    },
  };
}

/** Fails the build on any node: import left on the page's path. */
function nodeBuiltinsRefused(): Plugin {
  return {
    name: "ovsim-no-node-builtins",
    enforce: "pre",
    resolveId(source, importer) {
      if (source.startsWith("node:") && importer !== undefined && !importer.endsWith("vite.config.ts")) {
        throw new Error(`${importer} imports ${source}: the playground runs in a browser`);
      }
      return null;
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [nodeModulesStandIn(), nodeBuiltinsRefused()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: true },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
