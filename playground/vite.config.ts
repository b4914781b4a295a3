/**
 * The playground's build: a static page from the same library sources
 * (src/), no second implementation. `npm run playground` serves it,
 * `npm run build:playground` writes playground/dist.
 *
 * The one Node-only module on the page's import path, src/utilities/
 * flow-file.ts (node:fs, for `ovs-ofctl add-flows BR FILE`), is replaced by
 * a stand-in that refuses files; the build fails if anything else pulls in
 * a node: module (see `nodeBuiltinsRefused`).
 */
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const flowFile = fileURLToPath(new URL("../src/utilities/flow-file.ts", import.meta.url));
const flowFileBrowser = fileURLToPath(new URL("./src/flow-file-browser.ts", import.meta.url));

/** Sends flow-file.ts to its browser stand-in (imports name it as ./flow-file.js). */
function flowFileStandIn(): Plugin {
  return {
    name: "ovsim-flow-file-browser",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!source.endsWith("flow-file.js") || importer === undefined) return null;
      const r = await this.resolve(source.replace(/\.js$/, ".ts"), importer, { ...options, skipSelf: true });
      return r !== null && r.id === flowFile ? flowFileBrowser : null;
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
  plugins: [flowFileStandIn(), nodeBuiltinsRefused()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: true },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
