/**
 * Every conformance case, in report order.
 * @module
 */
import type { ConformanceCase } from "../case.ts";
import { argumentCases } from "./arguments.ts";
import { blockingCases } from "./blocking.ts";
import { bufferedCases } from "./buffered.ts";
import { capabilityCases } from "./capabilities.ts";
import { closeCases } from "./close.ts";
import { copyCases } from "./copy.ts";
import { dnsCases } from "./dns.ts";
import { errorCases } from "./errors.ts";
import { framedCases } from "./framed.ts";
import { fsCases } from "./fs.ts";
import { happyEyeballsCases } from "./happy-eyeballs.ts";
import { peerCases } from "./peer.ts";
import { processCases } from "./process.ts";
import { readCases } from "./read.ts";
import { shutdownCases } from "./shutdown.ts";
import { splitCases } from "./split.ts";
import { taskCases } from "./task.ts";
import { tcpCases } from "./tcp.ts";
import { timeCases } from "./time.ts";
import { tlsCases } from "./tls.ts";
import { udpCases } from "./udp.ts";
import { unixCases } from "./unix.ts";
import { writeCases } from "./write.ts";

/** The whole suite. Ids are unique (checked by the suite's own tests). */
export const cases: readonly ConformanceCase[] = [
  ...readCases,
  ...writeCases,
  ...shutdownCases,
  ...closeCases,
  ...peerCases,
  ...copyCases,
  ...splitCases,
  ...tcpCases,
  ...udpCases,
  ...unixCases,
  ...dnsCases,
  ...happyEyeballsCases,
  ...tlsCases,
  ...fsCases,
  ...processCases,
  ...taskCases,
  ...timeCases,
  ...blockingCases,
  ...errorCases,
  ...capabilityCases,
  ...framedCases,
  ...bufferedCases,
  ...argumentCases,
];
