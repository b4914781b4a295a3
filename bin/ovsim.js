#!/usr/bin/env node
// The `ovsim` command: runs the compiled CLI (built by `npm ci` / `npm run build`).
import { main } from "../dist/cli/main.js";

// A reader that stops early (`ovsim run X | head`) closes the pipe: the output ends there, quietly,
// with the exit status so far, as a Unix tool that stops on SIGPIPE; other write errors are real.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
