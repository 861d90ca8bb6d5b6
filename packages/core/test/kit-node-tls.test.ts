// NodeTlsKit's secure-context cache: the same configuration gets the same context without making
// another, a different one (including the caller's own array changed after the call) gets its own,
// and a PEM certificate checked once is not taken for another string.
import { IoError } from "@anyrt/core";
import { checkCertificatePem, NodeTlsKit, type NodeTlsModule, type NodeTlsTrust } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
const [caA, caB, root] = [pem("AAAA"), pem("BBBB"), pem("ROOT")];
const client = { certificate: pem("CCCC"), key: "-----BEGIN PRIVATE KEY-----\nKKKK\n-----END PRIVATE KEY-----\n" };

/** A module whose contexts are the trust they were made from, counting how many it made. */
function countingModule(): { module: NodeTlsModule; made: NodeTlsTrust[] } {
  const made: NodeTlsTrust[] = [];
  const module: NodeTlsModule = {
    rootCertificates: [root],
    createSecureContext(trust) {
      made.push(trust);
      return { trust };
    },
    checkServerIdentity: () => undefined,
    createServer: () => ({}),
  };
  return { module, made };
}

describe("NodeTlsKit.secureContext", () => {
  it("gives the same context for the same configuration, making it once", () => {
    const { module, made } = countingModule();
    const kit = new NodeTlsKit(module);
    const first = kit.secureContext("op", { caCertificates: [caA], systemCertificates: false });
    // A new array and options object with the same certificates, as a caller making them per connect.
    const second = kit.secureContext("op", { caCertificates: [`${caA}`], systemCertificates: false });
    expect(second).toBe(first);
    expect(made).toEqual([{ ca: [caA] }]);
  });

  it("makes a new context when the caller's own array changed after the call", () => {
    const { module, made } = countingModule();
    const kit = new NodeTlsKit(module);
    const cas = [caA];
    const first = kit.secureContext("op", { caCertificates: cas, systemCertificates: false });
    cas.push(caB);
    const second = kit.secureContext("op", { caCertificates: cas, systemCertificates: false });
    expect(second).not.toBe(first);
    expect(made).toEqual([{ ca: [caA] }, { ca: [caA, caB] }]);
  });

  it("tells configurations apart by system store, CAs and client certificate, and keeps each cached", () => {
    const { module, made } = countingModule();
    const kit = new NodeTlsKit(module);
    const alone = kit.secureContext("op", { caCertificates: [caA], systemCertificates: false });
    const withRoots = kit.secureContext("op", { caCertificates: [caA] });
    const withClient = kit.secureContext("op", { caCertificates: [caA], clientCertificate: client });
    const otherKey = kit.secureContext("op", {
      caCertificates: [caA],
      clientCertificate: { certificate: client.certificate, key: client.key.replace("KKKK", "LLLL") },
    });
    expect(new Set([alone, withRoots, withClient, otherKey]).size).toBe(4);
    expect(made).toHaveLength(4);
    expect(made[1]).toEqual({ ca: [root, caA] });
    // Back to the first: found in the cache, not made again.
    expect(kit.secureContext("op", { caCertificates: [caA], systemCertificates: false })).toBe(alone);
    expect(kit.secureContext("op", { caCertificates: [caA] })).toBe(withRoots);
    expect(made).toHaveLength(4);
  });

  it("still checks the options of a configuration it has cached", () => {
    const { module } = countingModule();
    const kit = new NodeTlsKit(module);
    kit.secureContext("op", { caCertificates: [caA], systemCertificates: false });
    const error = (() => {
      try {
        kit.secureContext("op", { caCertificates: [caA], systemCertificates: "no" as unknown as boolean });
      } catch (e) {
        return e;
      }
    })();
    expect(error instanceof IoError && error.kind).toBe("InvalidInput");
  });
});

describe("checkCertificatePem", () => {
  it("rejects a string that is not PEM after accepting one that is, and accepts that one again", () => {
    checkCertificatePem("op", "ca", caA);
    expect(() => checkCertificatePem("op", "ca", `${caA}x`)).toThrow(IoError);
    expect(() => checkCertificatePem("op", "ca", caA.replace("BEGIN", "BEGUN"))).toThrow(IoError);
    expect(() => checkCertificatePem("op", "ca", caA)).not.toThrow();
  });
});
