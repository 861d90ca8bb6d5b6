// Unit tests of core's oneshot and watch channels: one value or the latest value, what each side
// sees when the other closes, and aborts that never take the value away.
import { CHANNEL_EMPTY, oneshot, watch } from "@anyrt/core";
import { describe, expect, it } from "vitest";
import { catching, kindOf, rejection, settled } from "./support.ts";

describe("oneshot", () => {
  it("delivers one value to a receive that waits or comes later", async () => {
    const early = oneshot<number>();
    const pending = early.receiver.receive();
    early.sender.send(1);
    expect(await pending).toBe(1);

    const late = oneshot<number>();
    expect(late.receiver.tryReceive()).toBe(CHANNEL_EMPTY);
    late.sender.send(2);
    expect(late.sender.closed).toBe(true);
    expect(late.receiver.tryReceive()).toBe(2);
  });

  it("delivers undefined as a value", async () => {
    const { sender, receiver } = oneshot<undefined>();
    sender.send(undefined);
    expect(await receiver.receive()).toBe(undefined);
  });

  it("fails the receive with UnexpectedEof when the sender closes without a value", async () => {
    const { sender, receiver } = oneshot<number>();
    const pending = receiver.receive();
    sender.close();
    expect(kindOf(await rejection(pending))).toBe("UnexpectedEof");
    expect(kindOf(catching(() => receiver.tryReceive()))).toBe("UnexpectedEof");
    {
      using disposed = oneshot<number>().sender;
      expect(disposed.closed).toBe(false);
    }
  });

  it("closing the sender after sending changes nothing", async () => {
    const { sender, receiver } = oneshot<number>();
    sender.send(5);
    sender.close();
    expect(await receiver.receive()).toBe(5);
  });

  it("fails a second send with Closed and a send to a closed receiver with BrokenPipe", () => {
    const first = oneshot<number>();
    first.sender.send(1);
    expect(kindOf(catching(() => first.sender.send(2)))).toBe("Closed");
    const second = oneshot<number>();
    second.receiver.close();
    expect(second.sender.receiverClosed).toBe(true);
    expect(kindOf(catching(() => second.sender.send(1)))).toBe("BrokenPipe");
  });

  it("fails receives after the value was taken or the receiver closed with Closed, concurrent ones with Busy", async () => {
    const { sender, receiver } = oneshot<number>();
    const waiting = receiver.receive();
    expect(kindOf(await rejection(receiver.receive()))).toBe("Busy");
    sender.send(1);
    expect(await waiting).toBe(1);
    expect(kindOf(await rejection(receiver.receive()))).toBe("Closed");
    const other = oneshot<number>();
    const pending = other.receiver.receive();
    other.receiver.close();
    expect(kindOf(await rejection(pending))).toBe("Closed");
    expect(kindOf(catching(() => other.receiver.tryReceive()))).toBe("Closed");
  });

  it("rejects a thenable value, which receive would adopt", () => {
    const { sender } = oneshot<Promise<number>>();
    expect(kindOf(catching(() => sender.send(Promise.resolve(1))))).toBe("InvalidInput");
    expect(sender.closed).toBe(false);
  });

  it("an aborted receive leaves the value for the next receive", async () => {
    const { sender, receiver } = oneshot<number>();
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = receiver.receive({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    sender.send(4);
    expect(await rejection(receiver.receive({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(await receiver.receive()).toBe(4);
  });

  it("a receive handed the value keeps it even when its signal aborts in the same turn", async () => {
    const { sender, receiver } = oneshot<number>();
    const controller = new AbortController();
    const pending = receiver.receive({ signal: controller.signal });
    sender.send(8);
    controller.abort();
    expect(await pending).toBe(8);
  });
});

describe("watch", () => {
  it("changed waits for a newer version and marks it seen", async () => {
    const { sender, receiver } = watch(1);
    expect(receiver.hasChanged).toBe(false);
    const pending = receiver.changed();
    expect(await settled(pending)).toBe(false);
    sender.send(2);
    expect(await pending).toBe(true);
    expect(receiver.borrow()).toBe(2);
    expect(receiver.hasChanged).toBe(false);
  });

  it("skips intermediate values: a receiver sees the latest", async () => {
    const { sender, receiver } = watch(0);
    sender.send(1);
    sender.send(2);
    expect(receiver.hasChanged).toBe(true);
    expect(await receiver.changed()).toBe(true);
    expect(receiver.borrow()).toBe(2);
    expect(await settled(receiver.changed())).toBe(false);
  });

  it("borrowAndUpdate marks the current version seen; borrow does not", () => {
    const { sender, receiver } = watch("a");
    sender.send("b");
    expect(receiver.borrow()).toBe("b");
    expect(receiver.hasChanged).toBe(true);
    expect(receiver.borrowAndUpdate()).toBe("b");
    expect(receiver.hasChanged).toBe(false);
    expect(sender.borrow()).toBe("b");
  });

  it("wakes every receiver, including subscribers and clones", async () => {
    const { sender, receiver } = watch(0);
    const subscribed = sender.subscribe();
    const cloned = receiver.clone();
    expect(sender.receiverCount).toBe(3);
    const waits = [receiver.changed(), subscribed.changed(), cloned.changed(), cloned.changed()];
    sender.send(1);
    expect(await Promise.all(waits)).toEqual([true, true, true, true]);
  });

  it("after the sender closes, reports the last change, then false; the value stays readable", async () => {
    const { sender, receiver } = watch(0);
    const waiting = receiver.clone();
    const pending = waiting.changed();
    sender.send(1);
    sender.close();
    expect(await pending).toBe(true);
    expect(await waiting.changed()).toBe(false);
    expect(await receiver.changed()).toBe(true);
    expect(await receiver.changed()).toBe(false);
    expect(receiver.borrow()).toBe(1);
    const idle = watch(0);
    const blocked = idle.receiver.changed();
    idle.sender.close();
    expect(await blocked).toBe(false);
    expect(kindOf(catching(() => sender.send(2)))).toBe("Closed");
    expect(kindOf(catching(() => sender.subscribe()))).toBe("Closed");
  });

  it("iterates the current value, then each newer version, until the sender closes", async () => {
    const { sender, receiver } = watch("first");
    const seen: string[] = [];
    const loop = (async () => {
      for await (const value of receiver) seen.push(value);
    })();
    await settled(loop);
    sender.send("second");
    await settled(loop);
    sender.send("third");
    sender.close();
    await loop;
    expect(seen).toEqual(["first", "second", "third"]);
  });

  it("a closed receiver fails with Closed, its waiting changed too", async () => {
    const { sender, receiver } = watch(0);
    const pending = receiver.changed();
    receiver.close();
    expect(kindOf(await rejection(pending))).toBe("Closed");
    expect(kindOf(catching(() => receiver.borrow()))).toBe("Closed");
    expect(kindOf(await rejection(receiver.changed()))).toBe("Closed");
    expect(sender.receiverCount).toBe(0);
    sender.send(1); // never fails for lack of receivers
    expect(sender.borrow()).toBe(1);
  });

  it("an aborted changed marks nothing seen", async () => {
    const { sender, receiver } = watch(0);
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = receiver.changed({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    sender.send(1);
    expect(await rejection(receiver.changed({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(receiver.hasChanged).toBe(true);
    expect(await receiver.changed()).toBe(true);
  });
});
