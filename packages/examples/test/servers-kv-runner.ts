// The client scenarios as a program, for the runtimes vitest does not run in (Node 20 and 22):
// servers-kv.ts bundles it with esbuild and runs `node runner.mjs <resp|memcached> <port>
// <control port>`; it prints the results as one JSON line.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { memcachedScenarios } from "./memcached-scenarios.ts";
import { respScenarios } from "./resp-scenarios.ts";
import { remoteControl, runScenarios } from "./servers-kv-harness.ts";

const [suite, port, controlPort] = process.argv.slice(2);
const scenarios = suite === "resp" ? respScenarios : memcachedScenarios;
const control = remoteControl(runtime, Number(controlPort), suite === "resp" ? "redis" : "memcached");
const results = await runScenarios(scenarios, { runtime, port: Number(port), control });
process.stdout.write(`${JSON.stringify(results)}\n`);
