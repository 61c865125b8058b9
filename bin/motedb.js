#!/usr/bin/env node
// The motedb command. dist/ is not in git, so a clone has no built CLI: this launcher runs the
// TypeScript source (tools/cli.ts) through tsx, which is why tsx is a runtime dependency.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../tools/cli.ts");
process.exitCode = await main(process.argv.slice(2));
