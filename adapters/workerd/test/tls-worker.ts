// The Worker of tls.test.ts: runs @anyrt/workerd's TLS against the host's peers (their ports in
// the request's query) and answers one JSON object of outcomes, each the result or the IoError
// kind it failed with.
import { isIoError, type TcpStream } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(stream: TcpStream): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const n = await stream.read(buf);
    if (n === 0) return text;
    text += decoder.decode(buf.subarray(0, n));
  }
}

/** Reads until `text` has arrived (and no further). */
async function readUntil(stream: TcpStream, text: string): Promise<string> {
  let got = "";
  const one = new Uint8Array(1);
  while (!got.endsWith(text)) {
    if ((await stream.read(one)) === 0) throw new Error(`EOF before ${JSON.stringify(text)}: ${got}`);
    got += decoder.decode(one);
  }
  return got;
}

async function outcome(work: () => Promise<string>): Promise<string> {
  try {
    return await work();
  } catch (error) {
    return isIoError(error) ? `kind:${error.kind}` : `error:${String(error)}`;
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const query = new URL(request.url).searchParams;
    const port = (name: string) => Number(query.get(name));
    const ca = query.get("ca") ?? "";
    const otherCa = query.get("otherCa") ?? "";
    const runtime = createWorkerdRuntime({ trustedCertificates: [ca] });
    const tls = runtime.tls;
    const results: Record<string, string> = {};
    results.openssl = await outcome(async () => {
      const stream = await tls.connect({ hostname: "localhost", port: port("openssl"), caCertificates: [ca] });
      await stream.write(encoder.encode("hello openssl\n"));
      await stream.shutdown();
      const text = await readAll(stream);
      await stream.close();
      return text;
    });
    for (const name of ["expired", "wrongName", "plaintext"]) {
      results[name] = await outcome(async () => {
        const stream = await tls.connect({ hostname: "localhost", port: port(name), caCertificates: [ca] });
        await stream.close();
        return "connected";
      });
    }
    results.serverName = await outcome(async () => {
      const stream = await tls.connect({ hostname: "127.0.0.1", port: port("wrongName"), serverName: "wrong.invalid" });
      await stream.close();
      return "connected";
    });
    results.refused = await outcome(async () => {
      await tls.connect({ hostname: "127.0.0.1", port: port("closed") });
      return "connected";
    });
    results.untrustedOption = await outcome(async () => {
      await tls.connect({ hostname: "localhost", port: port("expired"), caCertificates: [otherCa] });
      return "connected";
    });
    results.alpn = await outcome(async () => {
      await tls.connect({ hostname: "localhost", port: port("expired"), alpnProtocols: ["h2"] });
      return "connected";
    });
    results.starttls = await outcome(async () => {
      const plain = await runtime.tcp.connect({ hostname: "127.0.0.1", port: port("starttls") });
      await readUntil(plain, "220 ready\r\n");
      await plain.write(encoder.encode("STARTTLS\r\n"));
      await readUntil(plain, "220 go ahead\r\n");
      const stream = await tls.upgrade(plain, { serverName: "localhost" });
      const old = await plain.write(new Uint8Array(1)).then(
        () => "written",
        (error: unknown) => (isIoError(error) ? error.kind : String(error)),
      );
      await stream.write(encoder.encode("over tls"));
      await stream.shutdown();
      const text = await readAll(stream);
      await stream.close();
      return `${old} ${text}`;
    });
    return Response.json(results);
  },
};
