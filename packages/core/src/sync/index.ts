/**
 * Sync and communication primitives, written once in core: the bounded `channel`, `oneshot`,
 * `broadcast`, `watch`, `Semaphore`, `Mutex`, `Notify` and `Barrier`. Every wait takes an
 * `AbortSignal`, and an aborted waiter never takes a value or a permit with it.
 * @module
 */
export { Barrier, type BarrierWaitResult } from "./barrier.ts";
export {
  type Broadcast,
  type BroadcastReceiver,
  type BroadcastResult,
  type BroadcastSender,
  type BroadcastValue,
  broadcast,
} from "./broadcast.ts";
export { CHANNEL_EMPTY, CHANNEL_END, type Channel, channel, type Receiver, type Sender } from "./channel.ts";
export { Mutex, type MutexGuard } from "./mutex.ts";
export { Notify } from "./notify.ts";
export { type Oneshot, type OneshotReceiver, type OneshotSender, oneshot } from "./oneshot.ts";
export { type Permit, Semaphore } from "./semaphore.ts";
export { type Watch, type WatchReceiver, type WatchSender, watch } from "./watch.ts";
