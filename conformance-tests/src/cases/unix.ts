/**
 * `unix/*`: Unix domain sockets through `runtime.unix`: the socket file's lifecycle (created by
 * `listen`, `AddrInUse` when anything is at the path, removed by `close`), addresses, errors and
 * the platform's path limit. The byte-stream contract itself is the `stream/*` cases, run again
 * over Unix socket pairs by the drivers' `unix` group.
 * @module
 */
import { isAbortError, type UnixListener, type UnixStream } from "@anyrt/core";
import { equal, ioErrorKind, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { CaseContext, ConformanceCase, Requirement } from "../case.ts";
import { bytes, readExactly, text, writeAll } from "./util.ts";

const requires: readonly Requirement[] = ["unix.connect", "unix.listen", "fs"];

/** A fresh directory for socket files, removed after the case. */
async function socketDir(ctx: CaseContext): Promise<string> {
  const dir = `${await ctx.tempDir()}/unix`;
  await ctx.runtime.fs.mkdir(dir);
  return dir;
}

async function listen(ctx: CaseContext, path: string): Promise<UnixListener> {
  const listener = await ctx.runtime.unix.listen({ path });
  ctx.defer(() => listener.close());
  return listener;
}

async function connectPair(ctx: CaseContext, listener: UnixListener, path: string): Promise<[UnixStream, UnixStream]> {
  const [client, server] = await Promise.all([ctx.runtime.unix.connect({ path }), listener.accept()]);
  ctx.defer(() => client.close());
  ctx.defer(() => server.close());
  return [client, server];
}

/** Whether anything is at `path` (`NotFound` is the only "no"). */
async function exists(ctx: CaseContext, path: string): Promise<boolean> {
  return ctx.runtime.fs.stat(path).then(
    () => true,
    (error: unknown) => {
      ioErrorKind(error, "NotFound", `stat ${path}`);
      return false;
    },
  );
}

export const unixCases: ConformanceCase[] = [
  {
    id: "unix/round-trip-with-addresses",
    title:
      "a connected Unix pair carries bytes both ways; the client's remote and the accepted end's local address are the path, the unnamed ends are empty",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/s`;
      const listener = await listen(ctx, path);
      equal(listener.localAddress.path, path, "listener.localAddress.path");
      const [client, server] = await connectPair(ctx, listener, path);
      equal(client.remoteAddress.path, path, "client.remoteAddress.path");
      equal(client.localAddress.path, "", "client.localAddress.path");
      equal(server.localAddress.path, path, "server.localAddress.path");
      equal(server.remoteAddress.path, "", "server.remoteAddress.path");
      await writeAll(client, bytes("ping"));
      equal(text(await readExactly(server, 4)), "ping", "bytes at the server");
      await writeAll(server, bytes("pong"));
      equal(text(await readExactly(client, 4)), "pong", "bytes at the client");
    },
  },
  {
    id: "unix/listen-creates-and-close-removes-the-socket-file",
    title: "listen creates the socket file at its path and close() removes it; accepted streams stay open",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/s`;
      const listener = await ctx.runtime.unix.listen({ path });
      ok(await exists(ctx, path), "the socket file exists while listening");
      const [client, server] = await connectPair(ctx, listener, path);
      await listener.close();
      ok(!(await exists(ctx, path)), "the socket file is gone after close()");
      await writeAll(client, bytes("still"));
      equal(text(await readExactly(server, 5)), "still", "an accepted stream after the listener closed");
      // The path is free again: a new listener takes it.
      const again = await listen(ctx, path);
      equal(again.localAddress.path, path, "a second listener on the freed path");
    },
  },
  {
    id: "unix/listen-on-a-live-socket-addr-in-use",
    title: "listen on the path of a live listener fails with AddrInUse, and the live listener keeps working",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/s`;
      const listener = await listen(ctx, path);
      await rejectsWithKind(ctx.runtime.unix.listen({ path }), "AddrInUse", "a second listen on a live path");
      const [client, server] = await connectPair(ctx, listener, path);
      await writeAll(client, bytes("x"));
      equal(text(await readExactly(server, 1)), "x", "a connection to the first listener");
    },
  },
  {
    id: "unix/listen-on-an-existing-file-addr-in-use",
    title: "listen where a regular file exists fails with AddrInUse and leaves the file as it was",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/not-a-socket`;
      await ctx.runtime.fs.writeFile(path, "mine");
      await rejectsWithKind(ctx.runtime.unix.listen({ path }), "AddrInUse", "listen on a regular file");
      equal(await ctx.runtime.fs.readTextFile(path), "mine", "the file's content");
    },
  },
  {
    id: "unix/connect-to-a-missing-path-not-found",
    title: "connect to a path where nothing exists fails with NotFound",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/nobody`;
      await rejectsWithKind(ctx.runtime.unix.connect({ path }), "NotFound", "connect to a missing path");
    },
  },
  {
    id: "unix/connect-to-a-non-socket-refused",
    title: "connect to a path that is a regular file fails with ConnectionRefused",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/file`;
      await ctx.runtime.fs.writeFile(path, "x");
      await rejectsWithKind(ctx.runtime.unix.connect({ path }), "ConnectionRefused", "connect to a regular file");
    },
  },
  {
    id: "unix/path-at-the-platform-limit",
    title:
      "a path of exactly unix.maxPathBytes bytes listens and connects; one byte more fails with InvalidInput at once on both",
    requires,
    async run(ctx) {
      const limit = ctx.runtime.facts.unix.maxPathBytes;
      ok(limit !== null && limit > 0, "the fact unix.maxPathBytes is stated");
      const dir = await socketDir(ctx);
      const fill = limit - dir.length - 1;
      ok(fill > 0, `the temporary directory ${dir} leaves room for a socket name`);
      const longest = `${dir}/${"x".repeat(fill)}`;
      equal(new TextEncoder().encode(longest).length, limit, "the longest path's length in bytes");
      const listener = await listen(ctx, longest);
      const [client, server] = await connectPair(ctx, listener, longest);
      await writeAll(client, bytes("l"));
      equal(text(await readExactly(server, 1)), "l", "a byte over the longest path");
      const tooLong = `${longest}y`;
      await rejectsWithKind(ctx.runtime.unix.listen({ path: tooLong }), "InvalidInput", "listen on a path too long");
      await rejectsWithKind(ctx.runtime.unix.connect({ path: tooLong }), "InvalidInput", "connect to a path too long");
      ok(!(await exists(ctx, tooLong)), "no file at the path too long");
    },
  },
  {
    id: "unix/connect-aborted",
    title: "connect with an already-aborted signal rejects with the signal's reason and nothing reaches the listener",
    requires,
    async run(ctx) {
      const path = `${await socketDir(ctx)}/s`;
      const listener = await listen(ctx, path);
      const error = await rejects(ctx.runtime.unix.connect({ path, signal: AbortSignal.abort() }), "aborted connect");
      ok(isAbortError(error), `the rejection is the abort reason, got ${String(error)}`);
      // The next connection is the first the listener sees.
      const [client, server] = await connectPair(ctx, listener, path);
      await writeAll(client, bytes("n"));
      equal(text(await readExactly(server, 1)), "n", "the first accepted connection is the later one");
    },
  },
];
