/**
 * What every `redis-pipeline` variant shares, free of any runtime's API so that the workerd worker
 * can bundle it: the pipeline's 1,000 commands and the timed loop over them.
 * @module
 */
import { now, perSecond } from "./harness.ts";

/** Commands per pipeline. */
export const PIPELINE = 1000;

/** The value every `SET` writes and every `GET` reads back. */
export const VALUE = "0123456789abcdef";

/** One pipeline's commands: 500 SETs of a 16-byte value and 500 GETs of the same keys. */
export function pipelineCommands(): (string | number)[][] {
  const commands: (string | number)[][] = [];
  for (let i = 0; i < PIPELINE / 2; i++) commands.push(["SET", `anyrt:bench:${i}`, VALUE]);
  for (let i = 0; i < PIPELINE / 2; i++) commands.push(["GET", `anyrt:bench:${i}`]);
  return commands;
}

/** Runs `pipelines` pipelines one after another through `send`; resolves commands per second. */
export async function timed(
  send: (commands: (string | number)[][]) => Promise<unknown[]>,
  commands: (string | number)[][],
  pipelines: number,
): Promise<number> {
  const start = now();
  for (let i = 0; i < pipelines; i++) {
    const replies = await send(commands);
    if (replies.length !== PIPELINE || replies[PIPELINE - 1] !== VALUE) {
      throw new Error(`redis-pipeline: unexpected replies (${replies.length}, last ${String(replies.at(-1))})`);
    }
  }
  return perSecond(pipelines * PIPELINE, now() - start);
}
