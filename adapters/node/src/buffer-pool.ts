/**
 * The Node adapter's reusable buffers: the landing buffers of sockets receiving bulk data and the
 * staging rings of sockets writing large buffers, taken while in use and given back when a socket
 * goes quiet, so that an idle connection holds neither.
 * @module
 */
import { BufferPool } from "@anyrt/core/adapter";

/**
 * The pool every Node socket of this adapter takes its landing buffers and staging rings from. One
 * per process, as Node's own shared landing buffer and `Buffer` pool are: the adapter's TCP and
 * subprocess capabilities are module constants shared by every Node runtime object.
 */
export const nodeBuffers: BufferPool = new BufferPool();
