/**
 * `channel-1m`: a million messages through core's bounded `channel` (one producer, one consumer)
 * against a plain array used as a queue, in messages per second. The issue asks for at most twice
 * the array's time (ratio >= 0.5). The headline array is the idiomatic queue (`push` / `shift`);
 * a tight `push` / read-index loop, which only works because this workload drains in whole
 * batches, is reported beside it as the floor no queue can beat.
 * @module
 */
import { CHANNEL_EMPTY, CHANNEL_END, channel } from "@anyrt/core";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";

const CAPACITY = 1024;

export function createChannel1m(settings: BenchSettings): Benchmark {
  const messages = scaled(settings, 1_000_000, 1000);
  const expectedSum = (messages * (messages - 1)) / 2;

  const check = (sum: number) => {
    if (sum !== expectedSum) throw new Error(`channel-1m: received a sum of ${sum}, expected ${expectedSum}`);
  };

  /** The recommended loops: `trySend` / `tryReceive` first, one `await` only when they would wait. */
  const anyrt = async (): Promise<number> => {
    const { sender, receiver } = channel<number>(CAPACITY);
    const start = now();
    const produce = async () => {
      for (let i = 0; i < messages; i++) {
        if (!sender.trySend(i)) await sender.send(i);
      }
      sender.close();
    };
    const consume = async () => {
      let sum = 0;
      for (;;) {
        let value = receiver.tryReceive();
        if (value === CHANNEL_EMPTY) {
          const result = await receiver.receive();
          if (result.done) break;
          value = result.value;
        } else if (value === CHANNEL_END) {
          break;
        }
        sum += value;
      }
      return sum;
    };
    const [, sum] = await Promise.all([produce(), consume()]);
    const elapsed = now() - start;
    check(sum);
    return perSecond(messages, elapsed);
  };

  /** Every send awaited, every value taken by `for await`: one promise per message on each side. */
  const anyrtForAwait = async (): Promise<number> => {
    const { sender, receiver } = channel<number>(CAPACITY);
    const start = now();
    const produce = async () => {
      for (let i = 0; i < messages; i++) await sender.send(i);
      sender.close();
    };
    const consume = async () => {
      let sum = 0;
      for await (const value of receiver) sum += value;
      return sum;
    };
    const [, sum] = await Promise.all([produce(), consume()]);
    const elapsed = now() - start;
    check(sum);
    return perSecond(messages, elapsed);
  };

  /** The producer pushes; whenever `CAPACITY` messages are queued the consumer drains them with `shift`. */
  const arrayShift = async (): Promise<number> => {
    const queue: number[] = [];
    let sum = 0;
    const start = now();
    for (let i = 0; i < messages; i++) {
      queue.push(i);
      if (queue.length === CAPACITY) {
        while (queue.length > 0) sum += queue.shift() as number;
      }
    }
    while (queue.length > 0) sum += queue.shift() as number;
    const elapsed = now() - start;
    check(sum);
    return perSecond(messages, elapsed);
  };

  /** The same with a read index instead of `shift`, the array emptied once drained. */
  const arrayIndex = async (): Promise<number> => {
    const queue: number[] = [];
    let sum = 0;
    const start = now();
    for (let i = 0; i < messages; i++) {
      queue.push(i);
      if (queue.length === CAPACITY) {
        for (let head = 0; head < CAPACITY; head++) sum += queue[head] as number;
        queue.length = 0;
      }
    }
    for (let head = 0; head < queue.length; head++) sum += queue[head] as number;
    const elapsed = now() - start;
    check(sum);
    return perSecond(messages, elapsed);
  };

  return {
    name: "channel-1m",
    unit: "messages/s",
    higherIsBetter: true,
    target: 0.5,
    adapter: "@anyrt/core",
    anyrtApi: `channel(${CAPACITY}) trySend/send -> tryReceive/receive, producer and consumer tasks`,
    nativeApi: `array push / shift, drained every ${CAPACITY}`,
    anyrt,
    native: arrayShift,
    extras: {
      "array-index": {
        kind: "baseline",
        api: `array push / read index, drained every ${CAPACITY}`,
        sample: arrayIndex,
      },
      "anyrt-for-await": {
        kind: "anyrt",
        api: `channel(${CAPACITY}) await send -> for await, one promise per message each side`,
        sample: anyrtForAwait,
      },
    },
    params: { messages, capacity: CAPACITY },
  };
}
