// Unit and property tests of core's broadcast channel: every receiver sees every value, a lagging
// receiver is told exactly how many it missed and continues from the oldest value retained.
import { type BroadcastReceiver, broadcast, CHANNEL_EMPTY } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catching, flush, kindOf, rejection, settled } from "./support.ts";

describe("broadcast", () => {
  it("gives every value to every receiver", async () => {
    const { sender, receiver: first } = broadcast<string>(4);
    const second = sender.subscribe();
    expect(sender.send("a")).toBe(2);
    expect(sender.send("b")).toBe(2);
    for (const receiver of [first, second]) {
      expect(await receiver.receive()).toEqual({ value: "a", done: false, missed: 0 });
      expect(await receiver.receive()).toEqual({ value: "b", done: false, missed: 0 });
      expect(receiver.tryReceive()).toBe(CHANNEL_EMPTY);
    }
  });

  it("a subscriber sees only what is sent after it subscribed", async () => {
    const { sender, receiver } = broadcast<number>(4);
    sender.send(1);
    const late = sender.subscribe();
    sender.send(2);
    expect((await late.receive()).value).toBe(2);
    expect((await receiver.receive()).value).toBe(1);
  });

  it("wakes every waiting receiver with the next value", async () => {
    const { sender, receiver: first } = broadcast<number>(1);
    const second = sender.subscribe();
    const waits = [first.receive(), second.receive()];
    expect(await settled(waits[0] as Promise<unknown>)).toBe(false);
    sender.send(7);
    expect((await Promise.all(waits)).map((r) => r.value)).toEqual([7, 7]);
  });

  it("tells a lagging receiver how many it missed, then continues from the oldest retained", async () => {
    const { sender, receiver } = broadcast<number>(3);
    for (let i = 0; i < 8; i++) sender.send(i);
    expect(await receiver.receive()).toEqual({ value: 5, done: false, missed: 5 });
    expect(await receiver.receive()).toEqual({ value: 6, done: false, missed: 0 });
    expect(receiver.tryReceive()).toEqual({ value: 7, done: false, missed: 0 });
    expect(receiver.missed).toBe(5);
  });

  it("does not keep values nobody can receive", () => {
    const { sender, receiver } = broadcast<number>(2);
    receiver.close();
    expect(sender.receiverCount).toBe(0);
    expect(sender.send(1)).toBe(0);
    const late = sender.subscribe();
    expect(late.tryReceive()).toBe(CHANNEL_EMPTY);
  });

  it("ends after the last sender closes, once the retained values are received", async () => {
    const { sender, receiver } = broadcast<number>(4);
    const clone = sender.clone();
    sender.send(1);
    sender.close();
    clone.send(2);
    const late = clone.subscribe();
    clone.close();
    const seen: number[] = [];
    for await (const value of receiver) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(await receiver.receive()).toEqual({ value: undefined, done: true });
    expect(await late.receive()).toEqual({ value: undefined, done: true });
  });

  it("ends a waiting receive when the last sender closes", async () => {
    const { sender, receiver } = broadcast<number>(4);
    const pending = receiver.receive();
    sender.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it("fails use after close with Closed, and a second concurrent receive with Busy", async () => {
    const { sender, receiver } = broadcast<number>(4);
    const waiting = receiver.receive();
    expect(kindOf(await rejection(receiver.receive()))).toBe("Busy");
    receiver.close();
    expect(kindOf(await rejection(waiting))).toBe("Closed");
    expect(kindOf(catching(() => receiver.tryReceive()))).toBe("Closed");
    sender.close();
    expect(kindOf(catching(() => sender.send(1)))).toBe("Closed");
    expect(kindOf(catching(() => sender.subscribe()))).toBe("Closed");
    expect(kindOf(catching(() => sender.clone()))).toBe("Closed");
  });

  it("rejects capacities that are not integers in 1..2^30", () => {
    for (const capacity of [0, -1, 2.5, Number.NaN, "4"]) {
      expect(kindOf(catching(() => broadcast(capacity as number)))).toBe("InvalidInput");
    }
  });

  it("an aborted receive keeps the receiver's position", async () => {
    const { sender, receiver } = broadcast<number>(4);
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = receiver.receive({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    sender.send(1);
    expect((await receiver.receive()).value).toBe(1);
    expect(await rejection(receiver.receive({ signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  it("a receive handed a value keeps it even when its signal aborts in the same turn", async () => {
    const { sender, receiver } = broadcast<number>(4);
    const controller = new AbortController();
    const pending = receiver.receive({ signal: controller.signal });
    sender.send(3);
    controller.abort();
    expect((await pending).value).toBe(3);
  });

  it("every receiver sees every value or a correct lag count, under random sends and receives", async () => {
    type Op =
      | { kind: "send"; count: number }
      | { kind: "receive"; receiver: number; count: number }
      | { kind: "wait"; receiver: number; abort: boolean }
      | { kind: "subscribe" }
      | { kind: "flush" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("send" as const), count: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant("receive" as const), receiver: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant("wait" as const), receiver: fc.nat(), abort: fc.boolean() }),
      fc.record({ kind: fc.constant("subscribe" as const) }),
      fc.record({ kind: fc.constant("flush" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), async (capacity, ops) => {
        const { sender, receiver } = broadcast<number>(capacity);
        let sent = 0;
        interface Tracked {
          readonly receiver: BroadcastReceiver<number>;
          /** The value this receiver expects next if it does not lag. */
          expected: number;
          waiting: boolean;
          missedTotal: number;
        }
        const tracked: Tracked[] = [{ receiver, expected: 0, waiting: false, missedTotal: 0 }];
        const pending: Promise<void>[] = [];

        /** Checks one result against the model: the next value, or the oldest retained after a lag. */
        const accept = (t: Tracked, value: number, missed: number, sentNow: number) => {
          if (missed === 0) {
            expect(value).toBe(t.expected);
          } else {
            expect(value).toBe(t.expected + missed);
            // Lag is reported only when the expected value was overwritten: it is the oldest retained.
            expect(value).toBe(sentNow - capacity);
          }
          t.missedTotal += missed;
          t.expected = value + 1;
        };

        for (const step of ops) {
          switch (step.kind) {
            case "send":
              for (let i = 0; i < step.count; i++) sender.send(sent++);
              break;
            case "receive": {
              const t = tracked[step.receiver % tracked.length] as Tracked;
              if (t.waiting) break;
              for (let i = 0; i < step.count; i++) {
                const result = t.receiver.tryReceive();
                if (result === CHANNEL_EMPTY) {
                  expect(t.expected).toBe(sent);
                  break;
                }
                expect(result.done).toBe(false);
                if (!result.done) accept(t, result.value, result.missed, sent);
              }
              break;
            }
            case "wait": {
              const t = tracked[step.receiver % tracked.length] as Tracked;
              if (t.waiting) break;
              t.waiting = true;
              const controller = new AbortController();
              const sentAtCall = sent;
              pending.push(
                t.receiver.receive({ signal: controller.signal }).then(
                  (result) => {
                    t.waiting = false;
                    // A waiting receive is caught up: it gets the next value, sent after the call.
                    if (!result.done) accept(t, result.value, result.missed, Math.max(sentAtCall, result.value + 1));
                  },
                  (error: unknown) => {
                    t.waiting = false;
                    expect((error as Error).message).toBe("abort");
                  },
                ),
              );
              if (step.abort) controller.abort(new Error("abort"));
              break;
            }
            case "subscribe":
              tracked.push({ receiver: sender.subscribe(), expected: sent, waiting: false, missedTotal: 0 });
              break;
            case "flush":
              await flush();
              break;
          }
        }

        sender.close();
        await Promise.all(pending);
        for (const t of tracked) {
          const start = t.expected;
          for (;;) {
            const result = t.receiver.tryReceive();
            expect(result).not.toBe(CHANNEL_EMPTY);
            if (result === CHANNEL_EMPTY || result.done) break;
            accept(t, result.value, result.missed, sent);
          }
          // Everything from subscription to the end was either received or counted as missed.
          expect(t.expected).toBe(Math.max(sent, start));
          expect(t.receiver.missed).toBe(t.missedTotal);
        }
      }),
      { numRuns: 200 },
    );
  });
});
