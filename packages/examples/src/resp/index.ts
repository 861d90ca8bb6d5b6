// The RESP client's entry: the client, and the codec it shares with anything else that moves
// RESP bytes (the benchmark's native-socket variants).
export { type CommandOptions, RespClient, type RespClientOptions, type RespConnectOptions } from "./client.ts";
export {
  RESP_NIL,
  type RespArgument,
  RespDecoder,
  type RespDecoderOptions,
  RespEncoder,
  RespError,
  type RespFrame,
  RespPush,
  type RespValue,
} from "./codec.ts";
