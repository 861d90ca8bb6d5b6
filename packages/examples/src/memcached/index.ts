// The memcached client's entry: the client, and the binary protocol's framing it is built on.
export {
  type CounterOptions,
  MemcachedClient,
  type MemcachedClientOptions,
  type MemcachedConnectOptions,
  type MemcachedItem,
  type RequestOptions,
  type SetOptions,
} from "./client.ts";
export {
  encodeRequest,
  HEADER,
  MemcachedDecoder,
  type MemcachedDecoderOptions,
  MemcachedError,
  type MemcachedRequest,
  type MemcachedResponse,
  Opcode,
  statusNames,
} from "./protocol.ts";
