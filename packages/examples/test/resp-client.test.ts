// The RESP client's reply loop over an in-memory duplex, with every reply of several requests
// arriving in one write: the replies already buffered are handed out in one tight loop per request
// (client.ts, `#readReplies`), which must still skip a push between replies, turn nil into `null`,
// drop the replies of an abandoned request and move on to the next request within the same buffer.
// Runtime-neutral: npm test runs it on Node, inside Deno and inside Bun.
import { duplex } from "@anyrt/core";
import { describe, expect, it } from "vitest";
import { RespClient, type RespPush } from "../src/resp/index.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("the RESP client's reply loop", () => {
  it("hands out buffered replies per request: pushes skipped, nil as null, an abandoned request's replies dropped", async () => {
    const [clientEnd, serverEnd] = duplex();
    const pushes: RespPush[] = [];
    const client = new RespClient(clientEnd, { onPush: (push) => pushes.push(push) });
    const abort = new AbortController();
    const first = client.pipeline([
      ["SET", "a", "1"],
      ["GET", "missing"],
      ["INCR", "n"],
    ]);
    const abandoned = client.pipeline(
      [
        ["GET", "a"],
        ["GET", "a"],
      ],
      { signal: abort.signal },
    );
    const after = client.command(["GET", "a"]);
    abort.abort(new Error("given up"));
    await expect(abandoned).rejects.toThrow("given up");
    // Every reply (and a push in the middle of the first pipeline's) in one write.
    await serverEnd.write(
      bytes("+OK\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n$-1\r\n:5\r\n$1\r\n1\r\n$1\r\n1\r\n$3\r\nend\r\n"),
    );
    expect(await first).toEqual(["OK", null, 5]);
    expect(await after).toBe("end");
    expect(pushes.map((push) => push.data)).toEqual([["message", "c", "hi"]]);
    // The connection goes on: a reply split across two writes.
    const later = client.pipeline([
      ["GET", "a"],
      ["GET", "b"],
    ]);
    await serverEnd.write(bytes("$1\r\nx\r\n$2\r"));
    await serverEnd.write(bytes("\nyz\r\n"));
    expect(await later).toEqual(["x", "yz"]);
    await client.close();
    await serverEnd.close();
  });
});
