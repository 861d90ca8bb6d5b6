// The RESP codec without a server: any split of a reply stream into reads gives the same replies
// (fast-check), partial replies are not consumed, bad bytes are InvalidData, and the encoder's
// bytes are what Redis reads.
import { ByteBuffer, isIoError } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RESP_NIL, RespDecoder, RespEncoder, RespError, type RespFrame, RespPush } from "../src/resp/index.ts";

/** A reply as a test writes it: its RESP bytes and the value the decoder must give. */
interface Sample {
  readonly bytes: string;
  readonly value: unknown;
}

const text = fc.string({ unit: "grapheme", maxLength: 20 });
const line = text.filter((value) => !value.includes("\r") && !value.includes("\n"));
const byteLength = (value: string) => new TextEncoder().encode(value).length;

const leaf: fc.Arbitrary<Sample> = fc.oneof(
  line.map((value) => ({ bytes: `+${value}\r\n`, value })),
  line.map((value) => ({ bytes: `-ERR ${value}\r\n`, value: new RespError(`ERR ${value}`) })),
  fc.integer().map((value) => ({ bytes: `:${value}\r\n`, value })),
  fc.bigInt({ min: 2n ** 60n, max: 2n ** 62n }).map((value) => ({ bytes: `:${value}\r\n`, value })),
  text.map((value) => ({ bytes: `$${byteLength(value)}\r\n${value}\r\n`, value })),
  fc.constant({ bytes: "$-1\r\n", value: null }),
  fc.constant({ bytes: "_\r\n", value: null }),
  fc.boolean().map((value) => ({ bytes: `#${value ? "t" : "f"}\r\n`, value })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((value) => !Object.is(value, -0))
    .map((value) => ({ bytes: `,${value}\r\n`, value })),
  fc.bigInt().map((value) => ({ bytes: `(${value}\r\n`, value })),
  text.map((value) => ({ bytes: `=${byteLength(value) + 4}\r\ntxt:${value}\r\n`, value })),
);

const sample: fc.Arbitrary<Sample> = fc.letrec<{ sample: Sample }>((tie) => ({
  sample: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("sample"), { maxLength: 4 }).map((items) => ({
      bytes: `*${items.length}\r\n${items.map((item) => item.bytes).join("")}`,
      value: items.map((item) => item.value),
    })),
    fc.array(fc.tuple(fc.integer(), tie("sample")), { maxLength: 3 }).map((pairs) => {
      const unique = [...new Map(pairs).entries()];
      return {
        bytes: `%${unique.length}\r\n${unique.map(([key, item]) => `:${key}\r\n${item.bytes}`).join("")}`,
        value: new Map(unique.map(([key, item]) => [key, item.value])),
      };
    }),
  ),
})).sample;

/** Decodes `bytes` fed in the pieces `cuts` makes, as FramedRead would. */
function decodeAll(bytes: Uint8Array, cuts: number[]): RespFrame[] {
  const decoder = new RespDecoder();
  const buffer = new ByteBuffer();
  const frames: RespFrame[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b), bytes.length]) {
    buffer.append(bytes.subarray(from, cut));
    from = cut;
    for (let frame = decoder.decode(buffer); frame !== null; frame = decoder.decode(buffer)) frames.push(frame);
  }
  expect(buffer.length).toBe(0);
  return frames;
}

/** The frame as the client hands it out (nil as `null`), comparable with `toEqual`. */
function plain(frame: RespFrame): unknown {
  return frame === RESP_NIL ? null : frame;
}

describe("RespDecoder", () => {
  it("any split of a stream of replies decodes to the same replies", () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 5 }), fc.array(fc.nat()), (samples, cuts) => {
        const bytes = new TextEncoder().encode(samples.map((item) => item.bytes).join(""));
        const frames = decodeAll(
          bytes,
          cuts.map((at) => at % (bytes.length + 1)),
        );
        expect(frames.map(plain)).toEqual(samples.map((item) => item.value));
      }),
      { numRuns: 300 },
    );
  });

  it("consumes nothing of a partial reply and asks for more bytes", () => {
    const decoder = new RespDecoder();
    const buffer = new ByteBuffer();
    buffer.append(new TextEncoder().encode("*2\r\n$5\r\nhel"));
    expect(decoder.decode(buffer)).toBeNull();
    expect(buffer.length).toBe(11);
    buffer.append(new TextEncoder().encode("lo\r\n:7\r\n"));
    expect(decoder.decode(buffer)).toEqual(["hello", 7]);
  });

  it("gives bulk strings as bytes with the bytes option, and a push as a RespPush", () => {
    const decoder = new RespDecoder({ bytes: true });
    const buffer = new ByteBuffer();
    buffer.append(new TextEncoder().encode("$3\r\n\x00\x01\x02\r\n>2\r\n+message\r\n:1\r\n"));
    expect(decoder.decode(buffer)).toEqual(new Uint8Array([0, 1, 2]));
    const push = decoder.decode(buffer);
    expect(push).toBeInstanceOf(RespPush);
    expect((push as RespPush).kind).toBe("message");
  });

  it.each([
    ["an unknown type byte", "?x\r\n"],
    ["a line ending in a bare LF before CR", "+a\rb\r\n"],
    ["a length that is no integer", "$x\r\nabc\r\n"],
    ["a bulk string without its CRLF", "$3\r\nabcde\r\n"],
    ["a length past maxLength", "$2000\r\n"],
    ["a boolean that is neither t nor f", "#x\r\n"],
  ])("fails with InvalidData on %s", (_, input) => {
    const decoder = new RespDecoder({ maxLength: 1024 });
    const buffer = new ByteBuffer();
    buffer.append(new TextEncoder().encode(input));
    let error: unknown;
    try {
      decoder.decode(buffer);
    } catch (caught) {
      error = caught;
    }
    expect(isIoError(error, "InvalidData"), String(error)).toBe(true);
  });

  it("fails with InvalidData on aggregates nested past maxDepth", () => {
    const buffer = new ByteBuffer();
    buffer.append(new TextEncoder().encode(`${"*1\r\n".repeat(5)}:1\r\n`));
    expect(() => new RespDecoder({ maxDepth: 4 }).decode(buffer)).toThrow(/deeper than 4/);
  });
});

describe("RespEncoder", () => {
  it("writes commands as arrays of bulk strings, large byte arguments as their own chunk", () => {
    const encoder = new RespEncoder();
    const large = new Uint8Array(64 * 1024).fill(7);
    encoder.add(["SET", "k", large]);
    encoder.add(["GET", "k"]);
    const chunks = encoder.take();
    expect(chunks).toHaveLength(3);
    expect(new TextDecoder().decode(chunks[0])).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$65536\r\n");
    expect(chunks[1]).toBe(large);
    expect(new TextDecoder().decode(chunks[2])).toBe("\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    expect(encoder.take()).toEqual([]);
  });

  it("refuses a bad argument with InvalidInput and appends nothing", () => {
    const encoder = new RespEncoder();
    encoder.add(["PING"]);
    for (const bad of [[], ["SET", null], ["SET", Number.NaN], ["SET", {}]]) {
      let error: unknown;
      try {
        encoder.add(bad as never);
      } catch (caught) {
        error = caught;
      }
      expect(isIoError(error, "InvalidInput"), String(bad)).toBe(true);
    }
    expect(new TextDecoder().decode(encoder.take()[0])).toBe("*1\r\n$4\r\nPING\r\n");
  });

  it("round-trips any text through the decoder", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 5 }), (args) => {
        const encoder = new RespEncoder();
        encoder.add(args);
        const joined = new ByteBuffer();
        for (const chunk of encoder.take()) joined.append(chunk);
        // A command is an array of bulk strings: the decoder reads it back as the same strings.
        expect(new RespDecoder().decode(joined)).toEqual(args);
      }),
    );
  });
});
