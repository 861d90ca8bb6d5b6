import type { TcpStream } from "@anyrt/core";
import { IoError } from "@anyrt/core";
import { AcceptQueue, checkConnectOptions, checkListenOptions, hostnameOf, QueuedListener } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

class Conn {
  closed = false;
  constructor(readonly id: number) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("AcceptQueue", () => {
  it("hands connections over in order and refuses past the backlog", async () => {
    const queue = new AcceptQueue<Conn>("accept on q", 2);
    queue.push(new Conn(1));
    expect(queue.refusing).toBe(false);
    queue.push(new Conn(2));
    expect(queue.refusing).toBe(true);
    expect((await queue.accept()).id).toBe(1);
    expect(queue.refusing).toBe(false);
    expect((await queue.accept()).id).toBe(2);
  });

  it("allows one waiting accept; an aborted one loses no connection", async () => {
    const queue = new AcceptQueue<Conn>("accept on q", 4);
    const controller = new AbortController();
    const first = queue.accept(controller.signal);
    await expect(queue.accept()).rejects.toMatchObject({ kind: "Busy" });
    controller.abort(new Error("stop"));
    await expect(first).rejects.toThrow("stop");
    queue.push(new Conn(7));
    expect((await queue.accept()).id).toBe(7);
    await expect(queue.accept(AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
  });

  it("reports a failure to the waiting accept, or holds it for the next", async () => {
    const queue = new AcceptQueue<Conn>("accept on q", 4);
    const waiting = queue.accept();
    queue.fail(new IoError("Other", "native 1"));
    await expect(waiting).rejects.toThrow("native 1");
    queue.fail(new IoError("Other", "native 2"));
    expect(queue.failed).toBe(true);
    await expect(queue.accept()).rejects.toThrow("native 2");
    expect(queue.failed).toBe(false);
  });

  it("calls onTake after every accept that took something or started waiting", async () => {
    let takes = 0;
    const queue = new AcceptQueue<Conn>("accept on q", 4, () => takes++);
    queue.push(new Conn(1));
    await queue.accept();
    queue.fail(new IoError("Other", "x"));
    await queue.accept().catch(() => {});
    const waiting = queue.accept();
    expect(takes).toBe(3);
    await queue.accept().catch(() => {}); // Busy: takes nothing
    await queue.accept(AbortSignal.abort()).catch(() => {});
    expect(takes).toBe(3);
    queue.push(new Conn(2));
    await waiting;
  });

  it("close rejects the waiting accept, closes unaccepted connections and ends iteration", async () => {
    const queue = new AcceptQueue<Conn>("accept on q", 4);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const conn of queue) seen.push(conn.id);
    })();
    queue.push(new Conn(1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const left = new Conn(2);
    const other = new AcceptQueue<Conn>("accept on r", 4);
    other.push(left);
    await Promise.all([queue.close(), other.close()]);
    await loop;
    expect(seen).toEqual([1]);
    expect(left.closed).toBe(true);
    expect(queue.refusing && queue.closed).toBe(true);
    await expect(queue.accept()).rejects.toMatchObject({ kind: "Closed", message: "accept on q: listener is closed" });
  });
});

describe("QueuedListener", () => {
  it("accepts from its queue, and closes the queue before stopping, once", async () => {
    const queue = new AcceptQueue<TcpStream>("accept on l", 4);
    const events: string[] = [];
    let stopped!: () => void;
    const listener = new QueuedListener({ hostname: "::1", port: 9, family: 6 }, queue, () => {
      events.push(`stop closed=${queue.closed}`);
      return new Promise<void>((resolve) => {
        stopped = resolve;
      });
    });
    const conn = new Conn(1) as unknown as TcpStream;
    queue.push(conn);
    expect(await listener.accept()).toBe(conn);
    const closing = listener.close();
    expect(listener.close()).toBe(closing);
    expect(events).toEqual(["stop closed=true"]);
    let done = false;
    void closing.then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    stopped();
    await closing;
    const seen: unknown[] = [];
    for await (const stream of listener) seen.push(stream);
    expect(seen).toEqual([]);
  });
});

describe("connect and listen options", () => {
  it("refuse what is not an object with a valid port and backlog", () => {
    for (const bad of [null, 1, { port: 0 }, { port: 70000 }, { port: 1.5 }]) {
      expect(() => checkConnectOptions(bad)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    for (const bad of [undefined, { port: -1 }, { port: 0, backlog: -1 }, { port: 0, backlog: 65536 }]) {
      expect(() => checkListenOptions(bad)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => checkConnectOptions({ port: 1 })).not.toThrow();
    expect(() => checkListenOptions({ port: 0, backlog: 0 })).not.toThrow();
  });

  it("hostnameOf defaults to 127.0.0.1 and refuses what is not a host name", () => {
    expect(hostnameOf("connect", {})).toBe("127.0.0.1");
    expect(hostnameOf("listen", { hostname: "::1" })).toBe("::1");
    for (const hostname of ["", 42, "a".repeat(254)]) {
      expect(() => hostnameOf("connect", { hostname })).toThrow(
        expect.objectContaining({ kind: "InvalidInput", message: expect.stringContaining("connect: hostname") }),
      );
    }
  });
});
