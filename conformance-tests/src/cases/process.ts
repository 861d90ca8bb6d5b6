/**
 * `process/*`: subprocesses through `runtime.process` (exit status, piped stdio, env and cwd, signals, output).
 * @module
 */
import { type ChildProcess, type Command, type ExitStatus, WOULD_BLOCK } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, ok, rejectsWithKind, throws } from "../assert.ts";
import type { CaseContext, ConformanceCase } from "../case.ts";
import { bytes, pattern, readAll, settleWithin, text, writeAll, writeUntilFailure } from "./util.ts";

/**
 * Spawns `command`; after the case its pipes are closed, and a child still running is killed and
 * waited for (briefly: cleanup must not hang on a misbehaving adapter).
 */
async function spawn(ctx: CaseContext, command: Command): Promise<ChildProcess> {
  const child = await ctx.runtime.process.spawn(command);
  let exited = false;
  child.status.then(() => {
    exited = true;
  });
  ctx.defer(async () => {
    await Promise.allSettled([child.stdin?.close(), child.stdout?.close(), child.stderr?.close()]);
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // An adapter without signals may refuse; closing stdin above ends `cat` anyway.
      }
    }
    await settleWithin(child.status, 2000);
  });
  return child;
}

/** `[shell, "-c", script]` as a command. */
function sh(ctx: CaseContext, script: string, extra: Partial<Command> = {}): Command {
  return { command: ctx.programs.shell, args: ["-c", script], ...extra };
}

/** A piped standard stream, which must not be `null`. */
function piped<T>(stream: T | null, name: string): T {
  ok(stream !== null, `${name} is null although it was piped`);
  return stream;
}

function describeStatus(status: ExitStatus): string {
  return JSON.stringify(status);
}

export const processCases: ConformanceCase[] = [
  {
    id: "process/exit-code-zero-is-success",
    title: "a child that exits 0 has status code 0, signal null, success true, and a positive pid",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "exit 0"));
      ok(Number.isInteger(child.pid) && child.pid > 0, `pid ${child.pid}`);
      const status = await child.status;
      equal(status.code, 0, "code");
      equal(status.signal, null, "signal");
      equal(status.success, true, "success");
    },
  },
  {
    id: "process/exit-code-non-zero",
    title: "a child that exits 3 has status code 3, signal null, success false",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "exit 3"));
      const status = await child.status;
      ok(status.code === 3 && status.signal === null && status.success === false, describeStatus(status));
    },
  },
  {
    id: "process/stdout-captured",
    title: "what the child prints on stdout is read from child.stdout, followed by EOF",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "printf 'hello from the child'"));
      equal(text(await readAll(piped(child.stdout, "stdout"))), "hello from the child", "stdout");
      equal((await child.status).code, 0, "exit code");
    },
  },
  {
    id: "process/stdout-try-read-polling-sees-output",
    title: "polling child.stdout with tryRead alone (never read) sees every byte, then EOF",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "printf 'polled'"));
      const stdout = piped(child.stdout, "stdout");
      const buf = new Uint8Array(64);
      let received = "";
      const deadline = ctx.runtime.time.now() + 5000;
      for (;;) {
        const n = stdout.tryRead(buf);
        if (n === 0) break;
        if (n === WOULD_BLOCK) {
          ok(ctx.runtime.time.now() < deadline, `no EOF after 5 s of polling; got ${JSON.stringify(received)}`);
          await ctx.runtime.time.sleep(5);
          continue;
        }
        received += text(buf.subarray(0, n));
      }
      equal(received, "polled", "stdout read by polling");
      equal((await child.status).code, 0, "exit code");
    },
  },
  {
    id: "process/stdin-to-cat-round-trip",
    title: "bytes written to a cat child's stdin come back on its stdout, and stdin.shutdown() gives the child EOF",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, { command: ctx.programs.cat });
      ok(child.stdin !== null && child.stdout !== null, "stdin and stdout are piped by default");
      const reading = readAll(child.stdout);
      await writeAll(child.stdin, bytes("round trip\nsecond line\n"));
      await child.stdin.shutdown();
      equal(text(await reading), "round trip\nsecond line\n", "cat's output");
      equal((await child.status).code, 0, "cat exits 0 after EOF on stdin");
    },
  },
  {
    id: "process/stderr-is-separate",
    title: "stdout and stderr are separate streams",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "printf out; printf err >&2; printf more"));
      const [stdout, stderr] = await Promise.all([
        readAll(piped(child.stdout, "stdout")),
        readAll(piped(child.stderr, "stderr")),
      ]);
      equal(text(stdout), "outmore", "stdout");
      equal(text(stderr), "err", "stderr");
    },
  },
  {
    id: "process/env-is-passed",
    title: "variables in command.env are visible to the child",
    requires: ["process"],
    async run(ctx) {
      const output = await ctx.runtime.process.output(
        sh(ctx, 'printf %s "$ANYRT_CONFORMANCE_VALUE"', { env: { ANYRT_CONFORMANCE_VALUE: "it's = set" } }),
      );
      equal(text(output.stdout), "it's = set", "the child's view of the variable");
    },
  },
  {
    id: "process/cwd-is-passed",
    title: "command.cwd is the child's working directory",
    requires: ["process"],
    async run(ctx) {
      const output = await ctx.runtime.process.output(sh(ctx, "pwd", { cwd: "/" }));
      equal(text(output.stdout).trim(), "/", "the child's working directory");
    },
  },
  {
    id: "process/missing-program-is-not-found",
    title: "spawning or running a program that does not exist fails with NotFound",
    requires: ["process"],
    async run(ctx) {
      const { process } = ctx.runtime;
      await rejectsWithKind(
        process.spawn({ command: "anyrt-conformance-no-such-program" }),
        "NotFound",
        "spawn by name",
      );
      await rejectsWithKind(process.spawn({ command: "/anyrt-no-such-dir/program" }), "NotFound", "spawn by path");
      await rejectsWithKind(process.output({ command: "anyrt-conformance-no-such-program" }), "NotFound", "output");
    },
  },
  {
    id: "process/kill-sigterm-reports-signal",
    title: 'kill() sends SIGTERM: the status has signal "SIGTERM", code null and success false',
    requires: ["process", "process.signals"],
    async run(ctx) {
      const child = await spawn(ctx, { command: ctx.programs.cat, stdout: "null", stderr: "null" });
      child.kill();
      const status = await child.status;
      ok(status.signal === "SIGTERM" && status.code === null && status.success === false, describeStatus(status));
    },
  },
  {
    id: "process/kill-named-signal",
    title: 'kill("SIGKILL") ends the child with signal "SIGKILL"',
    requires: ["process", "process.signals"],
    async run(ctx) {
      const child = await spawn(ctx, { command: ctx.programs.cat, stdout: "null", stderr: "null" });
      child.kill("SIGKILL");
      const status = await child.status;
      ok(status.signal === "SIGKILL" && status.code === null && !status.success, describeStatus(status));
    },
  },
  {
    id: "process/kill-unknown-signal-is-invalid-input",
    title: "kill with an unknown signal name fails with InvalidInput and leaves the child running",
    requires: ["process", "process.signals"],
    async run(ctx) {
      const child = await spawn(ctx, { command: ctx.programs.cat, stdout: "piped", stderr: "null" });
      ioErrorKind(
        throws(() => child.kill("SIGNOTREAL"), "kill(SIGNOTREAL)"),
        "InvalidInput",
        "kill(SIGNOTREAL)",
      );
      await writeAll(piped(child.stdin, "stdin"), bytes("alive"));
      await piped(child.stdin, "stdin").shutdown();
      equal(text(await readAll(piped(child.stdout, "stdout"))), "alive", "the child still works");
      equal((await child.status).code, 0, "exit code");
    },
  },
  {
    id: "process/kill-after-exit-does-nothing",
    title: "kill on a child that already exited does nothing and its status stays the same",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "exit 7"));
      const before = await child.status;
      child.kill();
      if (ctx.runtime.supports("process.signals")) child.kill("SIGKILL");
      const after = await child.status;
      equal(describeStatus(after), describeStatus(before), "status after kill");
      equal(after.code, 7, "exit code");
    },
  },
  {
    id: "process/output-collects-everything",
    title: "output() runs the command to completion and collects its status, stdout and stderr",
    requires: ["process"],
    async run(ctx) {
      const output = await ctx.runtime.process.output(sh(ctx, "printf abc; printf xyz >&2; exit 2"));
      ok(
        output.status.code === 2 && output.status.signal === null && !output.status.success,
        describeStatus(output.status),
      );
      equal(text(output.stdout), "abc", "stdout");
      equal(text(output.stderr), "xyz", "stderr");
    },
  },
  {
    id: "process/null-stdio-has-no-streams",
    title: 'stdio set to "null" gives null streams, and the child still runs',
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(
        ctx,
        sh(ctx, "printf ignored; exit 4", { stdin: "null", stdout: "null", stderr: "null" }),
      );
      ok(child.stdin === null && child.stdout === null && child.stderr === null, "streams are null");
      equal((await child.status).code, 4, "exit code");
    },
  },
  {
    id: "process/large-output-arrives-intact",
    title: "a child writing several MiB to stdout is read completely, with backpressure, while it runs",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, { command: ctx.programs.cat });
      const data = pattern(4 * 1024 * 1024, 10);
      const reading = readAll(piped(child.stdout, "stdout"));
      await writeAll(piped(child.stdin, "stdin"), data);
      await piped(child.stdin, "stdin").shutdown();
      bytesEqual(await reading, data, "cat's output");
    },
  },
  {
    id: "process/write-to-exited-child-fails",
    title: "writing to the stdin of a child that exited fails with BrokenPipe or ConnectionReset",
    requires: ["process"],
    async run(ctx) {
      const child = await spawn(ctx, sh(ctx, "exit 0", { stdout: "null", stderr: "null" }));
      await child.status;
      const error = await writeUntilFailure(piped(child.stdin, "stdin"), bytes("nobody reads this"));
      ioErrorKind(error, ["BrokenPipe", "ConnectionReset"], "write to the stdin of an exited child");
    },
  },
];
