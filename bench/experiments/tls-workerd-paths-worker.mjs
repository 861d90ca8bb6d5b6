// The worker of tls-workerd-paths.mjs. `GET /sample?variant=V&port=P&total=T&ca=PEM` reads T bytes
// from the host's source server on P (TLS, or plain TCP for the `tcp-` variants) one way (V) and
// answers the elapsed ms and the number of reads; `GET /pingpong?variant=V&port=P&n=N` makes N
// one-byte round trips with the host's echo server on P; `GET /redis?variant=V&port=P&n=N` runs
// one sample (N pipelines) of the workerd redis-pipeline benchmark's variant V against redis on P;
// `GET /handshakes?variant=V&port=P&n=N&ca=PEM` makes N TLS connections (anyrt, native-on,
// native-starttls) to the host's server on P, each reading its one byte, then closing.
import { connect } from "cloudflare:sockets";
import { WOULD_BLOCK } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";
import { createWorkerdRedisPipeline } from "../dist/redis-pipeline-workerd.js";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const encoder = new TextEncoder();

function nativeSocket(port, mode) {
  if (mode === "on") return connect({ hostname: HOST, port }, { secureTransport: "on", allowHalfOpen: true });
  if (mode === "off") return connect({ hostname: HOST, port }, { secureTransport: "off", allowHalfOpen: true });
  const plain = connect({ hostname: HOST, port }, { secureTransport: "starttls", allowHalfOpen: true });
  return mode === "plainstarttls" ? plain : plain.startTls({ expectedServerHostname: HOST });
}

/**
 * A native read loop. `reader`: `byob` (a BYOB reader into a reused buffer of `size` bytes, the
 * bench's native loop), `default` (the default reader's chunks), `atleast` (workerd's
 * `readAtLeast(size, view)`); `copy` copies every chunk into a 64 KiB buffer, as anyrt's read does.
 */
async function native(port, total, mode, reader, size, copy) {
  const socket = nativeSocket(port, mode);
  await socket.opened;
  const writer = socket.writable.getWriter();
  const start = performance.now();
  await writer.write(encoder.encode(`${total}\n`));
  const target = new Uint8Array(CHUNK);
  let received = 0;
  let reads = 0;
  if (reader === "default") {
    const r = socket.readable.getReader();
    while (received < total) {
      const { value, done } = await r.read();
      if (done) break;
      if (copy) target.set(value.subarray(0, CHUNK));
      received += value.byteLength;
      reads++;
    }
  } else {
    const r = socket.readable.getReader({ mode: "byob" });
    let buf = new Uint8Array(size);
    while (received < total) {
      const { value, done } = reader === "atleast" ? await r.readAtLeast(1, buf) : await r.read(buf);
      if (done) break;
      if (copy) target.set(value.subarray(0, CHUNK));
      received += value.byteLength;
      reads++;
      buf = new Uint8Array(value.buffer, 0, size);
    }
  }
  const ms = performance.now() - start;
  await socket.close();
  return { ms, received, reads };
}

async function anyrt(runtime, port, total, ca, tls) {
  const stream = tls
    ? await runtime.tls.connect({ hostname: HOST, port, caCertificates: [ca] })
    : await runtime.tcp.connect({ hostname: HOST, port });
  const start = performance.now();
  await stream.write(encoder.encode(`${total}\n`));
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  let reads = 0;
  while (received < total) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    received += n;
    reads++;
  }
  const ms = performance.now() - start;
  await stream.close();
  return { ms, received, reads };
}

/** One-byte round trips with the echo server: natively (writer and BYOB reader) or on anyrt. */
async function pingpong(variant, port, n) {
  const ping = new Uint8Array([1]);
  if (variant === "anyrt") {
    const stream = await createWorkerdRuntime().tcp.connect({ hostname: HOST, port });
    const pong = new Uint8Array(1);
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      if (stream.tryWrite(ping) === WOULD_BLOCK) await stream.write(ping);
      let got = stream.tryRead(pong);
      if (got === WOULD_BLOCK) got = await stream.read(pong);
      if (got !== 1) throw new Error("pingpong: EOF");
    }
    const ms = performance.now() - start;
    await stream.close();
    return { ms, received: n, reads: n };
  }
  // native-<off|plainstarttls>[-<KiB>|-<bytes>b]: the read buffer is 1 byte, or that many KiB (bytes).
  const [, mode, kib] = variant.split("-");
  const size = kib === undefined ? 1 : kib.endsWith("b") ? Number(kib.slice(0, -1)) : Number(kib) * 1024;
  const socket = nativeSocket(port, mode);
  await socket.opened;
  const writer = socket.writable.getWriter();
  const reader = socket.readable.getReader({ mode: "byob" });
  let pong = new Uint8Array(size);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await writer.write(ping);
    const { value, done } = await reader.read(pong);
    if (done || value.byteLength !== 1) throw new Error("pingpong: EOF");
    pong = new Uint8Array(value.buffer, 0, size);
  }
  const ms = performance.now() - start;
  await socket.close();
  return { ms, received: n, reads: n };
}

/** `n` microtasks scheduled one way, each from the last (the host measures the CPU it took). */
async function micro(what, n) {
  const settled = Promise.resolve();
  let count = 0;
  await new Promise((resolve) => {
    const step = () => {
      if (++count === n) resolve();
      else if (what === "queueMicrotask") queueMicrotask(step);
      else if (what === "then") settled.then(step);
    };
    step();
  });
  return { count };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const variant = url.searchParams.get("variant");
    const port = Number(url.searchParams.get("port"));
    if (url.pathname === "/micro")
      return Response.json(await micro(url.searchParams.get("what"), Number(url.searchParams.get("n"))));
    if (url.pathname === "/redis") {
      // One sample of the workerd redis-pipeline benchmark's variant (anyrt, native, native-byob).
      const bench = await createWorkerdRedisPipeline(port, Number(url.searchParams.get("n")));
      const start = performance.now();
      const perSecond =
        variant === "anyrt"
          ? await bench.anyrt()
          : variant === "native"
            ? await bench.native()
            : await bench.extras[variant].sample();
      const ms = performance.now() - start;
      await bench.close();
      return Response.json({ ms, received: Number(url.searchParams.get("n")), reads: 1, perSecond });
    }
    if (url.pathname === "/handshakes") {
      // n handshakes with the host's server that sends one byte once its handshake completed.
      const n = Number(url.searchParams.get("n"));
      const ca = url.searchParams.get("ca");
      const runtime = createWorkerdRuntime({ trustedCertificates: [ca] });
      const one = new Uint8Array(1);
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        if (variant === "anyrt") {
          const stream = await runtime.tls.connect({ hostname: HOST, port, caCertificates: [ca] });
          let got = stream.tryRead(one);
          if (got === WOULD_BLOCK) got = await stream.read(one);
          await stream.close();
          if (got !== 1) throw new Error("handshakes: no byte");
        } else {
          // native-starttls-opened waits for the plain socket's `opened` before startTls(), as anyrt does.
          let socket;
          if (variant === "native-starttls-opened") {
            const plain = nativeSocket(port, "plainstarttls");
            await plain.opened;
            socket = plain.startTls();
          } else socket = nativeSocket(port, variant === "native-on" ? "on" : "starttls");
          const reader = socket.readable.getReader({ mode: "byob" });
          const { value } = await reader.read(new Uint8Array(64 * 1024));
          await socket.close();
          if (value?.byteLength !== 1) throw new Error("handshakes: no byte");
        }
      }
      return Response.json({ ms: performance.now() - start, received: n, reads: n });
    }
    if (url.pathname === "/pingpong")
      return Response.json(await pingpong(variant, port, Number(url.searchParams.get("n"))));
    if (url.pathname !== "/sample") return new Response("ok\n");
    const total = Number(url.searchParams.get("total"));
    const ca = url.searchParams.get("ca");
    const runtime = createWorkerdRuntime({ trustedCertificates: [ca] });
    // Variant names: anyrt-tls, anyrt-tcp, or native-<on|starttls|off|plainstarttls>-<byob|default|atleast>[-<KiB>][-copy].
    if (variant.startsWith("anyrt"))
      return Response.json(await anyrt(runtime, port, total, ca, variant === "anyrt-tls"));
    const [, mode, reader, ...rest] = variant.split("-");
    const size = rest.find((part) => /^\d+$/.test(part));
    return Response.json(
      await native(port, total, mode, reader, size === undefined ? CHUNK : Number(size) * 1024, rest.includes("copy")),
    );
  },
};
