// The memcached binary protocol's framing without a server: any split of a response stream into
// reads gives the same packets (fast-check), requests encode to the protocol's header, and bytes
// that are not responses are InvalidData.
import { ByteBuffer, isIoError } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRequest, HEADER, MemcachedDecoder, type MemcachedResponse, Opcode } from "../src/memcached/index.ts";

/** A response packet with the given parts. */
function response(parts: { opaque: number; status: number; extras: Uint8Array; key: Uint8Array; value: Uint8Array }) {
  const body = parts.extras.length + parts.key.length + parts.value.length;
  const packet = new Uint8Array(HEADER + body);
  const view = new DataView(packet.buffer);
  packet[0] = 0x81;
  view.setUint16(2, parts.key.length);
  packet[4] = parts.extras.length;
  view.setUint16(6, parts.status);
  view.setUint32(8, body);
  view.setUint32(12, parts.opaque);
  view.setBigUint64(16, BigInt(parts.opaque) * 3n);
  packet.set(parts.extras, HEADER);
  packet.set(parts.key, HEADER + parts.extras.length);
  packet.set(parts.value, HEADER + parts.extras.length + parts.key.length);
  return packet;
}

const parts = fc.record({
  opaque: fc.nat({ max: 0xffffffff }),
  status: fc.constantFrom(0, 1, 2, 0x81),
  extras: fc.uint8Array({ maxLength: 8 }),
  key: fc.uint8Array({ maxLength: 20 }),
  value: fc.uint8Array({ maxLength: 300 }),
});

describe("MemcachedDecoder", () => {
  it("any split of a stream of responses decodes to the same packets", () => {
    fc.assert(
      fc.property(fc.array(parts, { minLength: 1, maxLength: 6 }), fc.array(fc.nat()), (packets, cuts) => {
        const bytes = new Uint8Array(packets.flatMap((packet) => [...response(packet)]));
        const decoder = new MemcachedDecoder();
        const buffer = new ByteBuffer();
        const decoded: MemcachedResponse[] = [];
        let from = 0;
        const points = cuts.map((at) => at % (bytes.length + 1)).sort((a, b) => a - b);
        for (const cut of [...points, bytes.length]) {
          buffer.append(bytes.subarray(from, Math.max(from, cut)));
          from = Math.max(from, cut);
          for (let packet = decoder.decode(buffer); packet !== null; packet = decoder.decode(buffer)) {
            decoded.push(packet);
          }
        }
        expect(buffer.length).toBe(0);
        expect(
          decoded.map(({ opaque, status, cas, extras, key, value }) => ({ opaque, status, cas, extras, key, value })),
        ).toEqual(packets.map((packet) => ({ ...packet, cas: BigInt(packet.opaque) * 3n })));
      }),
      { numRuns: 300 },
    );
  });

  it("fails with InvalidData on a packet that is not a response, or whose key overruns its body", () => {
    for (const mutate of [(packet: Uint8Array) => (packet[0] = 0x80), (packet: Uint8Array) => (packet[3] = 200)]) {
      const packet = response({
        opaque: 1,
        status: 0,
        extras: new Uint8Array(0),
        key: new Uint8Array(2),
        value: new Uint8Array(3),
      });
      mutate(packet);
      const buffer = new ByteBuffer();
      buffer.append(packet);
      let error: unknown;
      try {
        new MemcachedDecoder().decode(buffer);
      } catch (caught) {
        error = caught;
      }
      expect(isIoError(error, "InvalidData"), String(error)).toBe(true);
    }
  });

  it("refuses a body over maxBodyLength before buffering it", () => {
    const buffer = new ByteBuffer();
    buffer.append(
      response({
        opaque: 1,
        status: 0,
        extras: new Uint8Array(0),
        key: new Uint8Array(0),
        value: new Uint8Array(100),
      }).subarray(0, HEADER),
    );
    expect(() => new MemcachedDecoder({ maxBodyLength: 50 }).decode(buffer)).toThrow(/exceeds the maximum 50/);
  });
});

describe("encodeRequest", () => {
  it("writes the 24-byte header, extras, key and value; a large value as its own chunk", () => {
    const chunks: Uint8Array[] = [];
    encodeRequest(
      {
        opcode: Opcode.Set,
        opaque: 9,
        extras: new Uint8Array(8),
        key: new Uint8Array([107]),
        value: new Uint8Array(3),
      },
      chunks,
    );
    const large = new Uint8Array(32 * 1024);
    encodeRequest({ opcode: Opcode.Set, opaque: 10, key: new Uint8Array([107]), value: large }, chunks);
    expect(chunks).toHaveLength(3);
    const first = chunks[0] as Uint8Array;
    const view = new DataView(first.buffer);
    expect([first[0], first[1], view.getUint16(2), first[4], view.getUint32(8), view.getUint32(12)]).toEqual([
      0x80, 0x01, 1, 8, 12, 9,
    ]);
    expect(first.length).toBe(HEADER + 12);
    expect((chunks[1] as Uint8Array).length).toBe(HEADER + 1);
    expect(new DataView((chunks[1] as Uint8Array).buffer).getUint32(8)).toBe(1 + large.length);
    expect(chunks[2]).toBe(large);
  });
});
