/**
 * The test DNS server the Node, Deno and Bun drivers start (all three have `node:dgram`): a UDP
 * socket on 127.0.0.1 answering from the suite's zone (`answerDnsQuery`), for the `dns/*` cases
 * that query records. Unreferenced, so it never keeps a driver alive.
 * @module
 */
import dgram from "node:dgram";
import { answerDnsQuery } from "@anyrt/conformance";

/** Starts the server on a free port of 127.0.0.1; resolves its address. */
export function startTestDnsServer(): Promise<{ hostname: string; port: number }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (query, peer) => {
      const response = answerDnsQuery(new Uint8Array(query.buffer, query.byteOffset, query.length));
      if (response !== null) socket.send(response, peer.port, peer.address);
    });
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.unref();
      resolve({ hostname: "127.0.0.1", port: socket.address().port });
    });
  });
}
