/**
 * Addresses read strictly: IPv4 in dotted decimal only, IPv6 as RFC 4291 writes it, and host
 * names that cannot be mistaken for a number. The relay decides on these forms alone (its
 * default destination policy, the `Host` and `Origin` checks, the per-address connection count),
 * because resolvers accept many more (`127.1`, `0x7f.0.0.1`, `2130706433`, `0177.0.0.1` all reach
 * 127.0.0.1), and a policy that reads a string differently from the resolver can be walked around.
 * @module
 */

/** A parsed IP address: four bytes for IPv4, eight 16-bit groups for IPv6. */
export type IpAddress =
  | { readonly family: 4; readonly bytes: readonly number[] }
  | { readonly family: 6; readonly groups: readonly number[] };

/** One decimal octet, 0 to 255, without leading zeros (which some resolvers read as octal). */
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** The four bytes of a dotted-decimal IPv4 address; `null` for any other form. */
export function parseIPv4(text: string): number[] | null {
  return IPV4.test(text) ? text.split(".").map(Number) : null;
}

/** Groups of one side of `::`; a dotted IPv4 tail only where `lastSide` says it may stand. */
function groupsOf(part: string, lastSide: boolean): number[] | null {
  if (part === "") return [];
  const pieces = part.split(":");
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as string;
    if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) groups.push(Number.parseInt(piece, 16));
    else if (lastSide && i === pieces.length - 1) {
      const v4 = parseIPv4(piece);
      if (v4 === null) return null;
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    } else return null;
  }
  return groups;
}

/**
 * The eight groups of an IPv6 address (`::1`, `2001:db8::8:800:200c:417a`, `::ffff:127.0.0.1`);
 * `null` for anything else, including brackets and zone identifiers (`fe80::1%eth0`).
 */
export function parseIPv6(text: string): number[] | null {
  if (text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const sides = text.split("::");
  if (sides.length > 2) return null;
  if (sides.length === 1) {
    const groups = groupsOf(text, true);
    return groups?.length === 8 ? groups : null;
  }
  const head = groupsOf(sides[0] as string, false);
  const tail = groupsOf(sides[1] as string, true);
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  // `::` stands for at least one group of zeros.
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * An IP literal (IPv6 with or without brackets) as an address; an IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`) is its IPv4 address, since connecting to one reaches the other. `null` for
 * anything else.
 */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, bytes: v4 };
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const groups = parseIPv6(bare);
  if (groups === null) return null;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const high = groups[6] as number;
    const low = groups[7] as number;
    return { family: 4, bytes: [high >> 8, high & 0xff, low >> 8, low & 0xff] };
  }
  return { family: 6, groups };
}

/** Whether `address` is a loopback address: `127.0.0.0/8` or `::1`. */
export function isLoopbackIp(address: IpAddress): boolean {
  if (address.family === 4) return address.bytes[0] === 127;
  return address.groups.slice(0, 7).every((group) => group === 0) && address.groups[7] === 1;
}

/** Whether `address` is unspecified: `0.0.0.0/8` ("this network") or `::`. */
export function isUnspecifiedIp(address: IpAddress): boolean {
  if (address.family === 4) return address.bytes[0] === 0;
  return address.groups.every((group) => group === 0);
}

/** The text form of an address: dotted decimal, or RFC 5952's IPv6 (lower case, longest zero run as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) return address.bytes.join(".");
  const groups = address.groups;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Whether two addresses are the same. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  if (a.family === 4 && b.family === 4) return a.bytes.every((byte, i) => byte === b.bytes[i]);
  if (a.family === 6 && b.family === 6) return a.groups.every((group, i) => group === b.groups[i]);
  return false;
}

/**
 * Whether `text` is a host name that no resolver reads as a number: labels of letters, digits,
 * `-` and `_`, each 1 to 63 characters, at most 253 in all, an optional final dot, and a last
 * label that is not a number (`example.123`, `127.0.0.999` and `0x7f` are refused, as the WHATWG
 * URL standard refuses them, because resolvers try to read them as IPv4).
 */
export function isHostName(text: string): boolean {
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  if (!labels.every((label) => /^[A-Za-z0-9_-]{1,63}$/.test(label))) return false;
  const last = labels[labels.length - 1] as string;
  return !/^(?:\d+|0[xX][0-9A-Fa-f]*)$/.test(last);
}

/**
 * Whether `hostname` names this machine's loopback interface: the name `localhost` (any case;
 * not its subdomains, not with a final dot) or an address in `127.0.0.0/8` or `::1`, IPv4-mapped
 * forms included. Read strictly: `127.0.0.999`, `127.1` and `[::1]` are not loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname.toLowerCase() === "localhost") return true;
  if (hostname.startsWith("[")) return false;
  const address = parseIp(hostname);
  return address !== null && isLoopbackIp(address);
}
