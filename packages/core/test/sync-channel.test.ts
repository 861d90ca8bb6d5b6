// Unit and property tests of core's bounded channel: backpressure, FIFO hand-off, close from
// either side, the synchronous fast path, async iteration, and aborts that never lose or
// duplicate a value.
import { CHANNEL_EMPTY, CHANNEL_END, channel, IoError, isIoError } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catching, flush, kindOf, rejection, settled } from "./support.ts";

/** Lets every promise reaction that is ready run (a few microtask hops). */
describe("channel", () => {
  it("queues up to its capacity, then send waits until a receive makes room", async () => {
    const { sender, receiver } = channel<number>(2);
    expect(sender.trySend(1)).toBe(true);
    await sender.send(2);
    expect(sender.trySend(3)).toBe(false);
    const blocked = sender.send(3);
    expect(await settled(blocked)).toBe(false);
    expect(receiver.size).toBe(2);
    expect(receiver.tryReceive()).toBe(1);
    await blocked;
    expect(receiver.size).toBe(2);
    expect(receiver.tryReceive()).toBe(2);
    expect(receiver.tryReceive()).toBe(3);
    expect(receiver.tryReceive()).toBe(CHANNEL_EMPTY);
  });

  it("hands a value straight to a waiting receive", async () => {
    const { sender, receiver } = channel<string>(1);
    const pending = receiver.receive();
    expect(sender.trySend("a")).toBe(true);
    expect(receiver.size).toBe(0);
    expect(await pending).toEqual({ value: "a", done: false });
  });

  it("serves waiting receives and waiting sends in FIFO order", async () => {
    const { sender, receiver } = channel<number>(1);
    const receives = [receiver.receive(), receiver.receive(), receiver.receive()];
    sender.trySend(1);
    sender.trySend(2);
    sender.trySend(3);
    expect((await Promise.all(receives)).map((r) => r.value)).toEqual([1, 2, 3]);

    sender.trySend(10);
    const sends = [sender.send(11), sender.send(12), sender.send(13)];
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await receiver.receive();
      if (!result.done) got.push(result.value);
    }
    await Promise.all(sends);
    expect(got).toEqual([10, 11, 12, 13]);
  });

  it("a waiting sender keeps its place: trySend cannot overtake it", async () => {
    const { sender, receiver } = channel<number>(1);
    sender.trySend(1);
    const waiting = sender.send(2);
    expect(receiver.tryReceive()).toBe(1);
    // The freed slot went to the waiting send, so the queue is full again.
    expect(sender.trySend(3)).toBe(false);
    await waiting;
    expect(receiver.tryReceive()).toBe(2);
  });

  it("delivers undefined, null and thenables as values, distinct from the end", async () => {
    const { sender, receiver } = channel<unknown>(4);
    // biome-ignore lint/suspicious/noThenProperty: a thenable value must travel unadopted.
    const thenable = { then: () => "not adopted" };
    sender.trySend(undefined);
    sender.trySend(null);
    sender.trySend(thenable);
    sender.close();
    expect(await receiver.receive()).toEqual({ value: undefined, done: false });
    expect(receiver.tryReceive()).toBe(null);
    const third = await receiver.receive();
    expect(third.done === false && third.value === thenable).toBe(true);
    expect(await receiver.receive()).toEqual({ value: undefined, done: true });
    expect(receiver.tryReceive()).toBe(CHANNEL_END);
  });

  it("rejects the tryReceive sentinels as values", () => {
    const { sender } = channel<unknown>(4);
    expect(kindOf(catching(() => sender.trySend(CHANNEL_EMPTY)))).toBe("InvalidInput");
    expect(kindOf(catching(() => sender.trySend(CHANNEL_END)))).toBe("InvalidInput");
  });

  it("rejects capacities that are not integers in 1..2^30, including 0", () => {
    for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 30 + 1, "8", undefined]) {
      expect(() => channel(capacity as number)).toThrow(IoError);
      expect(kindOf(catching(() => channel(capacity as number)))).toBe("InvalidInput");
    }
    expect(channel(2 ** 30).sender.capacity).toBe(2 ** 30);
  });

  it("grows its ring past its initial size, in order", () => {
    const { sender, receiver } = channel<number>(1000);
    for (let i = 0; i < 1000; i++) expect(sender.trySend(i)).toBe(true);
    expect(sender.trySend(1000)).toBe(false);
    for (let i = 0; i < 1000; i++) expect(receiver.tryReceive()).toBe(i);
  });

  it("rejects a signal that is not an AbortSignal", async () => {
    const { sender, receiver } = channel<number>(1);
    const bad = { signal: "no" } as unknown as { signal: AbortSignal };
    expect(kindOf(await rejection(sender.send(1, bad)))).toBe("InvalidInput");
    expect(kindOf(await rejection(receiver.receive(bad)))).toBe("InvalidInput");
    expect(receiver.size).toBe(0);
  });

  describe("closing the senders", () => {
    it("lets the receiver drain, then ends", async () => {
      const { sender, receiver } = channel<number>(4);
      sender.trySend(1);
      sender.trySend(2);
      sender.close();
      expect(sender.closed).toBe(true);
      const seen: number[] = [];
      for await (const value of receiver) seen.push(value);
      expect(seen).toEqual([1, 2]);
      expect(await receiver.receive()).toEqual({ value: undefined, done: true });
    });

    it("ends a waiting receive when the last sender closes", async () => {
      const { sender, receiver } = channel<number>(4);
      const pending = receiver.receive();
      sender.close();
      expect(await pending).toEqual({ value: undefined, done: true });
    });

    it("ends only when every clone is closed", async () => {
      const { sender, receiver } = channel<number>(4);
      const second = sender.clone();
      sender.close();
      const pending = receiver.receive();
      expect(await settled(pending)).toBe(false);
      await second.send(7);
      expect(await pending).toEqual({ value: 7, done: false });
      second.close();
      expect(await receiver.receive()).toEqual({ value: undefined, done: true });
    });

    it("fails own use after close with Closed, and rejects this handle's waiting sends", async () => {
      const { sender, receiver } = channel<number>(1);
      const other = sender.clone();
      sender.trySend(1);
      const mine = sender.send(2);
      const theirs = other.send(3);
      sender.close();
      sender.close();
      expect(kindOf(await rejection(mine))).toBe("Closed");
      expect(kindOf(catching(() => sender.trySend(4)))).toBe("Closed");
      expect(kindOf(await rejection(sender.send(4)))).toBe("Closed");
      expect(kindOf(catching(() => sender.clone()))).toBe("Closed");
      expect(receiver.tryReceive()).toBe(1);
      await theirs;
      expect(receiver.tryReceive()).toBe(3);
    });

    it("closes through `using`", () => {
      const { sender, receiver } = channel<number>(1);
      {
        using scoped = sender;
        scoped.trySend(1);
      }
      expect(receiver.tryReceive()).toBe(1);
      expect(receiver.tryReceive()).toBe(CHANNEL_END);
    });
  });

  describe("closing the receiver", () => {
    it("fails senders at once with BrokenPipe, waiting ones too, and drops the queue", async () => {
      const { sender, receiver } = channel<number>(1);
      sender.trySend(1);
      const waiting = sender.send(2);
      receiver.close();
      expect(kindOf(await rejection(waiting))).toBe("BrokenPipe");
      expect(kindOf(catching(() => sender.trySend(3)))).toBe("BrokenPipe");
      expect(kindOf(await rejection(sender.send(3)))).toBe("BrokenPipe");
      expect(receiver.size).toBe(0);
    });

    it("fails its own receives with Closed, waiting ones too", async () => {
      const { receiver } = channel<number>(1);
      const waiting = receiver.receive();
      receiver.close();
      expect(kindOf(await rejection(waiting))).toBe("Closed");
      expect(kindOf(catching(() => receiver.tryReceive()))).toBe("Closed");
      expect(kindOf(await rejection(receiver.receive()))).toBe("Closed");
      expect(receiver.closed).toBe(true);
    });

    it("makes a for-await loop throw Closed; leaving a loop early keeps the receiver open", async () => {
      const { sender, receiver } = channel<number>(4);
      sender.trySend(1);
      sender.trySend(2);
      for await (const value of receiver) {
        expect(value).toBe(1);
        break;
      }
      expect(receiver.tryReceive()).toBe(2);
      const loop = (async () => {
        for await (const _ of receiver) {
          // nothing arrives
        }
      })();
      await flush();
      receiver.close();
      expect(kindOf(await rejection(loop))).toBe("Closed");
    });
  });

  describe("aborts", () => {
    it("an already aborted signal rejects with its reason without sending or receiving", async () => {
      const { sender, receiver } = channel<number>(1);
      const reason = new Error("stop");
      const signal = AbortSignal.abort(reason);
      expect(await rejection(sender.send(1, { signal }))).toBe(reason);
      expect(receiver.size).toBe(0);
      sender.trySend(2);
      expect(await rejection(receiver.receive({ signal }))).toBe(reason);
      expect(receiver.tryReceive()).toBe(2);
    });

    it("an aborted send queues nothing and the next waiting send takes its turn", async () => {
      const { sender, receiver } = channel<number>(1);
      sender.trySend(1);
      const controller = new AbortController();
      const aborted = sender.send(2, { signal: controller.signal });
      const next = sender.send(3);
      controller.abort();
      expect(isAbort(await rejection(aborted))).toBe(true);
      expect(receiver.tryReceive()).toBe(1);
      await next;
      expect(receiver.tryReceive()).toBe(3);
      expect(receiver.tryReceive()).toBe(CHANNEL_EMPTY);
    });

    it("an aborted receive takes nothing: the value goes to the next receive", async () => {
      const { sender, receiver } = channel<number>(1);
      const controller = new AbortController();
      const aborted = receiver.receive({ signal: controller.signal });
      const next = receiver.receive();
      controller.abort();
      sender.trySend(5);
      expect(isAbort(await rejection(aborted))).toBe(true);
      expect(await next).toEqual({ value: 5, done: false });
    });

    it("a receive handed a value keeps it even when its signal aborts in the same turn", async () => {
      const { sender, receiver } = channel<number>(1);
      const controller = new AbortController();
      const pending = receiver.receive({ signal: controller.signal });
      sender.trySend(9);
      controller.abort();
      expect(await pending).toEqual({ value: 9, done: false });
    });

    it("a receive whose signal aborted is passed over even before its own listener runs", async () => {
      const { sender, receiver } = channel<number>(1);
      const controller = new AbortController();
      const reason = new Error("stop");
      // A listener registered first runs while the receive is still queued, with the signal aborted.
      controller.signal.addEventListener("abort", () => sender.trySend(1));
      const aborted = receiver.receive({ signal: controller.signal });
      const next = receiver.receive();
      controller.abort(reason);
      expect(await rejection(aborted)).toBe(reason);
      expect(await next).toEqual({ value: 1, done: false });
    });

    it("a send accepted keeps its value even when its signal aborts in the same turn", async () => {
      const { sender, receiver } = channel<number>(1);
      sender.trySend(1);
      const controller = new AbortController();
      const pending = sender.send(2, { signal: controller.signal });
      expect(receiver.tryReceive()).toBe(1);
      controller.abort();
      await pending;
      expect(receiver.tryReceive()).toBe(2);
    });
  });

  it("never loses, duplicates or reorders values under random sends, receives, aborts and closes", async () => {
    type Op =
      | { kind: "send"; producer: number; abortable: boolean }
      | { kind: "trySend"; producer: number }
      | { kind: "receive"; abortable: boolean }
      | { kind: "tryReceive" }
      | { kind: "abort"; index: number }
      | { kind: "close"; producer: number }
      | { kind: "flush" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("send" as const), producer: fc.nat(3), abortable: fc.boolean() }),
      fc.record({ kind: fc.constant("trySend" as const), producer: fc.nat(3) }),
      fc.record({ kind: fc.constant("receive" as const), abortable: fc.boolean() }),
      fc.record({ kind: fc.constant("tryReceive" as const) }),
      fc.record({ kind: fc.constant("abort" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("close" as const), producer: fc.nat(3) }),
      fc.record({ kind: fc.constant("flush" as const) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), async (capacity, ops) => {
        const { sender, receiver } = channel<string>(capacity);
        const senders = [sender, sender.clone(), sender.clone(), sender.clone()];
        const next = [0, 0, 0, 0];
        const accepted = new Set<string>();
        const rejected = new Set<string>();
        /** Values received, with the order in which their receive was issued (FIFO service). */
        const received: [number, string][] = [];
        const controllers: AbortController[] = [];
        const pending: Promise<void>[] = [];
        let issued = 0;
        const reasons = new Set<unknown>();

        const receive = (signal?: AbortSignal) => {
          const order = issued++;
          pending.push(
            receiver.receive({ signal }).then(
              (result) => {
                if (!result.done) received.push([order, result.value]);
              },
              (error: unknown) => {
                expect(reasons.has(error)).toBe(true);
              },
            ),
          );
        };

        for (const step of ops) {
          switch (step.kind) {
            case "send": {
              const handle = senders[step.producer];
              if (handle === undefined || handle.closed) break;
              const value = `${step.producer}:${next[step.producer]}`;
              next[step.producer] = (next[step.producer] as number) + 1;
              const controller = new AbortController();
              if (step.abortable) controllers.push(controller);
              pending.push(
                handle.send(value, { signal: controller.signal }).then(
                  () => void accepted.add(value),
                  (error: unknown) => {
                    expect(reasons.has(error) || isIoError(error, "Closed")).toBe(true);
                    rejected.add(value);
                  },
                ),
              );
              break;
            }
            case "trySend": {
              const handle = senders[step.producer];
              if (handle === undefined || handle.closed) break;
              const value = `${step.producer}:${next[step.producer]}`;
              next[step.producer] = (next[step.producer] as number) + 1;
              if (handle.trySend(value)) accepted.add(value);
              else rejected.add(value);
              break;
            }
            case "receive": {
              const controller = new AbortController();
              if (step.abortable) controllers.push(controller);
              receive(controller.signal);
              break;
            }
            case "tryReceive": {
              const value = receiver.tryReceive();
              if (value !== CHANNEL_EMPTY && value !== CHANNEL_END) received.push([issued++, value]);
              break;
            }
            case "abort": {
              if (controllers.length === 0) break;
              const reason = new Error("abort");
              reasons.add(reason);
              controllers.splice(step.index % controllers.length, 1)[0]?.abort(reason);
              break;
            }
            case "close":
              senders[step.producer]?.close();
              break;
            case "flush":
              await flush();
              break;
          }
        }

        // Close every producer and drain: every waiting receive must settle, then the end.
        for (const handle of senders) handle.close();
        for (;;) {
          const value = receiver.tryReceive();
          if (value === CHANNEL_END) break;
          expect(value).not.toBe(CHANNEL_EMPTY);
          received.push([issued++, value as string]);
        }
        await Promise.all(pending);

        const values = received.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
        expect(new Set(values).size).toBe(values.length);
        expect([...values].sort()).toEqual([...accepted].sort());
        for (const value of rejected) expect(accepted.has(value)).toBe(false);
        for (let producer = 0; producer < 4; producer++) {
          const mine = values.filter((v) => v.startsWith(`${producer}:`)).map((v) => Number(v.split(":")[1]));
          expect(mine).toEqual([...mine].sort((a, b) => a - b));
        }
      }),
      { numRuns: 200 },
    );
  });
});

function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "AbortError";
}
