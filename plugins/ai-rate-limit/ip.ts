// IP addresses and CIDR blocks for `limit_by_per_ip` (Higress: limit_keys hold an IP or a CIDR,
// the first containing block wins, the counter is per client IP). Parses what Envoy puts in the
// `source.address` property ("1.2.3.4:5678", "[::1]:5678") and the first X-Forwarded-For entry.
// IPv4-mapped IPv6 (::ffff:1.2.3.4) counts as the IPv4 address, so one client has one key.

export class IpAddr {
  /** 16 bytes; IPv4 uses the first 4. */
  bytes: Uint8Array = new Uint8Array(16);
  v6: bool = false;

  /** RFC 5952 text (what Go's net.IP.String() prints): dotted IPv4, compressed lower-case IPv6. */
  toString(): string {
    const b = this.bytes;
    if (!this.v6) {
      return b[0].toString() + "." + b[1].toString() + "." + b[2].toString() + "." + b[3].toString();
    }
    // Longest run (>= 2) of zero groups becomes "::".
    let bestStart = -1;
    let bestLen = 0;
    let i = 0;
    while (i < 8) {
      if (group(b, i) != 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && group(b, j) == 0) j++;
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    let out = "";
    for (let g = 0; g < 8; g++) {
      if (g == bestStart) {
        out += "::";
        g += bestLen - 1;
        continue;
      }
      if (out.length > 0 && !out.endsWith(":")) out += ":";
      out += (<u32>group(b, g)).toString(16);
    }
    return out;
  }
}

function group(b: Uint8Array, g: i32): i32 {
  return (<i32>b[g * 2] << 8) | <i32>b[g * 2 + 1];
}

function parseV4Into(s: string, out: Uint8Array, offset: i32): bool {
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c == 0x2e) {
      if (digits == 0 || part > 3) return false;
      out[offset + part] = <u8>val;
      part++;
      val = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) return false;
    // Leading zeros are ambiguous (octal in some parsers); Go rejects them too.
    if (digits == 1 && val == 0) return false;
    val = val * 10 + (c - 0x30);
    digits++;
    if (val > 255) return false;
  }
  return part == 4;
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function parseV6Into(s: string, out: Uint8Array): bool {
  if (s.length < 2) return false;
  const groups = new Array<i32>(); // values, with -1 marking the "::" position
  let i = 0;
  let sawGap = false;
  if (s.startsWith("::")) {
    groups.push(-1);
    sawGap = true;
    i = 2;
  } else if (s.charCodeAt(0) == 0x3a) {
    return false;
  }
  while (i < s.length) {
    // Find the end of this group.
    let j = i;
    while (j < s.length && s.charCodeAt(j) != 0x3a) j++;
    const piece = s.substring(i, j);
    if (piece.indexOf(".") >= 0) {
      if (j != s.length) return false; // an IPv4 tail must be last
      const tmp = new Uint8Array(4);
      if (!parseV4Into(piece, tmp, 0)) return false;
      groups.push((<i32>tmp[0] << 8) | tmp[1]);
      groups.push((<i32>tmp[2] << 8) | tmp[3]);
      i = j;
      break;
    }
    if (piece.length == 0 || piece.length > 4) return false;
    let v = 0;
    for (let k = 0; k < piece.length; k++) {
      const h = hexDigit(piece.charCodeAt(k));
      if (h < 0) return false;
      v = (v << 4) | h;
    }
    groups.push(v);
    i = j;
    if (i == s.length) break;
    // i is at ':'
    if (i + 1 < s.length && s.charCodeAt(i + 1) == 0x3a) {
      if (sawGap) return false;
      sawGap = true;
      groups.push(-1);
      i += 2;
    } else {
      i += 1;
      if (i == s.length) return false; // trailing single ':'
    }
  }
  let count = 0;
  for (let k = 0; k < groups.length; k++) if (groups[k] >= 0) count++;
  if (sawGap ? count > 7 : count != 8) return false;
  let g = 0;
  for (let k = 0; k < groups.length; k++) {
    const v = groups[k];
    if (v < 0) {
      g += 8 - count;
      continue;
    }
    out[g * 2] = <u8>(v >> 8);
    out[g * 2 + 1] = <u8>(v & 0xff);
    g++;
  }
  return true;
}

/** Parses an IPv4 or IPv6 literal into `ip` (reused, nothing allocated for IPv4); false when
 *  it is not one. */
export function parseIpInto(s: string, ip: IpAddr): bool {
  ip.bytes.fill(0);
  ip.v6 = false;
  if (s.indexOf(":") < 0) return parseV4Into(s, ip.bytes, 0);
  // Drop an IPv6 zone ("fe80::1%eth0"): it does not identify a client across hosts.
  const pct = s.indexOf("%");
  const text = pct >= 0 ? s.substring(0, pct) : s;
  if (!parseV6Into(text, ip.bytes)) return false;
  ip.v6 = true;
  // ::ffff:a.b.c.d is the IPv4 client a.b.c.d.
  let mapped = true;
  for (let k = 0; k < 10; k++) if (ip.bytes[k] != 0) mapped = false;
  if (mapped && ip.bytes[10] == 0xff && ip.bytes[11] == 0xff) {
    for (let k = 0; k < 4; k++) ip.bytes[k] = ip.bytes[12 + k];
    for (let k = 4; k < 16; k++) ip.bytes[k] = 0;
    ip.v6 = false;
  }
  return true;
}

/** Parses an IPv4 or IPv6 literal; null when it is not one. */
export function parseIp(s: string): IpAddr | null {
  const ip = new IpAddr();
  return parseIpInto(s, ip) ? ip : null;
}

/**
 * The client IP in an address as Envoy or a proxy writes it: "1.2.3.4", "1.2.3.4:80", "[::1]:80",
 * "::1", or an X-Forwarded-For list (first entry wins, spaces trimmed). Null when none parses.
 */
export function parseClientIp(raw: string): IpAddr | null {
  const ip = new IpAddr();
  const text = clientIpText(raw);
  if (text === null || !parseIpInto(text, ip)) return null;
  return ip;
}

/** The address part of `raw` (see parseClientIp), not yet validated; null when malformed. */
export function clientIpText(raw: string): string | null {
  let s = raw;
  const comma = s.indexOf(",");
  if (comma >= 0) s = s.substring(0, comma);
  s = s.trim();
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    return s.substring(1, close);
  }
  const colon = s.indexOf(":");
  if (colon >= 0 && s.lastIndexOf(":") == colon && s.indexOf(".") >= 0) {
    s = s.substring(0, colon); // "1.2.3.4:5678"
  }
  return s;
}

export class Cidr {
  addr: IpAddr;
  prefix: i32;
  constructor(addr: IpAddr, prefix: i32) {
    this.addr = addr;
    this.prefix = prefix;
  }

  contains(ip: IpAddr): bool {
    if (ip.v6 != this.addr.v6) return false;
    const a = this.addr.bytes;
    const b = ip.bytes;
    let bits = this.prefix;
    let k = 0;
    while (bits >= 8) {
      if (a[k] != b[k]) return false;
      bits -= 8;
      k++;
    }
    if (bits == 0) return true;
    const mask = <u8>(<i32>0xff << (8 - bits));
    return (a[k] & mask) == (b[k] & mask);
  }
}

export class CidrResult {
  cidr: Cidr | null = null;
  error: string | null = null;
}

/** "1.2.3.4" (a /32 or /128), "10.0.0.0/8", "2001:db8::/32". */
export function parseCidr(s: string): CidrResult {
  const out = new CidrResult();
  const slash = s.indexOf("/");
  const ipText = slash >= 0 ? s.substring(0, slash) : s;
  const ip = parseIp(ipText.trim());
  if (ip === null) {
    out.error = "not an IP address or CIDR block: " + s;
    return out;
  }
  const maxBits = ip.v6 ? 128 : 32;
  let prefix = maxBits;
  if (slash >= 0) {
    const p = s.substring(slash + 1).trim();
    if (p.length == 0 || p.length > 3) {
      out.error = "invalid prefix length in " + s;
      return out;
    }
    prefix = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) {
        out.error = "invalid prefix length in " + s;
        return out;
      }
      prefix = prefix * 10 + (c - 0x30);
    }
    // A mapped IPv6 block (::ffff:10.0.0.0/104) became IPv4: shift its prefix.
    if (!ip.v6 && ipText.indexOf(":") >= 0) prefix -= 96;
    if (prefix < 0 || prefix > maxBits) {
      out.error = "invalid prefix length in " + s;
      return out;
    }
  }
  out.cidr = new Cidr(ip, prefix);
  return out;
}
