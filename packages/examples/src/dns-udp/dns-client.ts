// A datagram client on anyrt: a minimal DNS stub resolver that asks one server for a name's A or
// AAAA records over UDP (RFC 1035 messages, one query per datagram, retried on silence) and prints
// each address on a line. `node src/dns-udp/dns-client.ts <server-port> <name> [A|AAAA]` against a
// DNS server on 127.0.0.1 (the tests start Debian's dnsmasq); it runs the same on Deno
// (`--allow-net --unstable-net`) and Bun. A name that does not exist exits with status 3.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { type DatagramSocket, IoError, isIoError, parseIpLiteral } from "@anyrt/core";

const TYPES = { A: 1, AAAA: 28 } as const;
/** How long one attempt waits for its answer, and how many attempts a lookup makes. */
const ATTEMPT_MS = 1000;
const ATTEMPTS = 3;

/** The query for `name`'s records of `type`: header (recursion desired), one question, class IN. */
function encodeQuery(id: number, name: string, type: number): Uint8Array {
  const labels = name.replace(/\.$/, "").split(".");
  const encoder = new TextEncoder();
  const parts = labels.map((label) => encoder.encode(label));
  if (parts.some((part) => part.length === 0 || part.length > 63)) {
    throw new IoError("InvalidInput", `dns: ${JSON.stringify(name)} is not a domain name`);
  }
  const query = new Uint8Array(12 + parts.reduce((sum, part) => sum + part.length + 1, 0) + 5);
  const view = new DataView(query.buffer);
  view.setUint16(0, id);
  view.setUint16(2, 0x0100); // RD
  view.setUint16(4, 1); // QDCOUNT
  let offset = 12;
  for (const part of parts) {
    query[offset++] = part.length;
    query.set(part, offset);
    offset += part.length;
  }
  query[offset++] = 0;
  view.setUint16(offset, type);
  view.setUint16(offset + 2, 1); // IN
  return query;
}

/** The offset just past the (possibly compressed) name that starts at `offset`. */
function skipName(message: Uint8Array, offset: number): number {
  for (;;) {
    const length = message[offset];
    if (length === undefined) throw new IoError("InvalidData", "dns: a name runs past the message");
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2; // a pointer ends the name
    offset += length + 1;
  }
}

/** The addresses of `type` in the answer section of `message`, a reply to query `id`; `null` for another id. */
function decodeAnswer(message: Uint8Array, id: number, type: number): string[] | null {
  if (message.length < 12) throw new IoError("InvalidData", "dns: a reply shorter than its header");
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint16(0) !== id || (view.getUint16(2) & 0x8000) === 0) return null;
  const rcode = view.getUint16(2) & 0x000f;
  if (rcode === 3) throw new IoError("NotFound", "dns: no such name (NXDOMAIN)");
  if (rcode !== 0) throw new IoError("Other", `dns: the server answered with rcode ${rcode}`);
  let offset = 12;
  for (let i = 0; i < view.getUint16(4); i++) offset = skipName(message, offset) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < view.getUint16(6); i++) {
    offset = skipName(message, offset);
    const recordType = view.getUint16(offset);
    const length = view.getUint16(offset + 8);
    const data = message.subarray(offset + 10, offset + 10 + length);
    offset += 10 + length;
    if (recordType !== type) continue; // a CNAME on the way, say
    if (type === TYPES.A && length === 4) addresses.push(data.join("."));
    if (type === TYPES.AAAA && length === 16) {
      const groups = Array.from({ length: 8 }, (_, g) => ((data[2 * g] ?? 0) << 8) | (data[2 * g + 1] ?? 0));
      addresses.push(parseIpLiteral(groups.map((group) => group.toString(16)).join(":"))?.hostname ?? "");
    }
  }
  return addresses;
}

/** Asks the connected `socket`'s server for `name`; retries on silence, ignores stray replies. */
async function lookup(socket: DatagramSocket, name: string, type: number): Promise<string[]> {
  const id = Math.floor(Math.random() * 0x10000);
  const query = encodeQuery(id, name, type);
  const reply = new Uint8Array(4096);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await socket.send(query);
    const signal = AbortSignal.timeout(ATTEMPT_MS);
    try {
      for (;;) {
        const { bytesRead, truncated } = await socket.receive(reply, { signal });
        if (truncated) throw new IoError("InvalidData", "dns: a reply larger than 4096 bytes");
        const addresses = decodeAnswer(reply.subarray(0, bytesRead), id, type);
        if (addresses !== null) return addresses;
      }
    } catch (error) {
      // AbortSignal.timeout aborts with a TimeoutError: this attempt is over, the next one asks again.
      if (!signal.aborted) throw error;
    }
  }
  throw new IoError("TimedOut", `dns: no answer for ${name} after ${ATTEMPTS} attempts`);
}

const [portText, name = "localhost", typeName = "A"] = process.argv.slice(2);
const type = TYPES[typeName as keyof typeof TYPES];
if (portText === undefined || type === undefined) {
  console.error("usage: dns-client.ts <server-port> <name> [A|AAAA]");
  process.exit(2);
}
const socket = await runtime.udp.bind({ hostname: "127.0.0.1", port: 0 });
try {
  await socket.connect({ hostname: "127.0.0.1", port: Number(portText) });
  for (const address of await lookup(socket, name, type)) console.log(address);
} catch (error) {
  console.error(String(error));
  process.exitCode = isIoError(error, "NotFound") ? 3 : 1;
} finally {
  await socket.close();
}
