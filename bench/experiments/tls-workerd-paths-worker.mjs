// The worker of tls-workerd-paths.mjs: `GET /sample?variant=V&port=P&total=T&ca=PEM` reads T bytes
// from the host's TLS source server on P one way (V) and answers the elapsed ms.
import { connect } from "cloudflare:sockets";
import { WOULD_BLOCK } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const encoder = new TextEncoder();

function nativeSocket(port, mode) {
  if (mode === "on") return connect({ hostname: HOST, port }, { secureTransport: "on", allowHalfOpen: true });
  const plain = connect({ hostname: HOST, port }, { secureTransport: "starttls", allowHalfOpen: true });
  return plain.startTls({ expectedServerHostname: HOST });
}

const noop = () => {};
async function native(port, total, mode, copy, alloc = false, microtask = false) {
  const socket = nativeSocket(port, mode);
  await socket.opened;
  const writer = socket.writable.getWriter();
  const start = performance.now();
  await writer.write(encoder.encode(`${total}\n`));
  const reader = socket.readable.getReader({ mode: "byob" });
  const target = new Uint8Array(CHUNK);
  let buf = new Uint8Array(CHUNK);
  let received = 0;
  let reads = 0;
  while (received < total) {
    const { value, done } = await reader.read(buf);
    if (done) break;
    if (copy) target.set(value);
    if (microtask) queueMicrotask(noop);
    received += value.byteLength;
    reads++;
    buf = alloc ? new Uint8Array(CHUNK) : new Uint8Array(value.buffer, 0, CHUNK);
  }
  const ms = performance.now() - start;
  await socket.close();
  return { ms, received, reads };
}

async function anyrt(runtime, port, total, ca, ahead = true) {
  const stream = await runtime.tls.connect({ hostname: HOST, port, caCertificates: [ca] });
  const start = performance.now();
  await stream.write(encoder.encode(`${total}\n`));
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  let reads = 0;
  while (received < total) {
    let n = ahead ? stream.tryRead(buf) : WOULD_BLOCK;
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    received += n;
    reads++;
  }
  const ms = performance.now() - start;
  await stream.close();
  return { ms, received, reads };
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
    if (url.pathname === "/micro")
      return Response.json(await micro(url.searchParams.get("what"), Number(url.searchParams.get("n"))));
    if (url.pathname !== "/sample") return new Response("ok\n");
    const variant = url.searchParams.get("variant");
    const port = Number(url.searchParams.get("port"));
    const total = Number(url.searchParams.get("total"));
    const ca = url.searchParams.get("ca");
    const runtime = createWorkerdRuntime({ trustedCertificates: [ca] });
    const result = variant.startsWith("anyrt")
      ? await anyrt(runtime, port, total, ca, variant !== "anyrt-read-only")
      : await native(
          port,
          total,
          variant.includes("starttls") ? "starttls" : "on",
          variant.includes("copy"),
          variant.endsWith("alloc"),
          variant.endsWith("microtask"),
        );
    return Response.json(result);
  },
};
