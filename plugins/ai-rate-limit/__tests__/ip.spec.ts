import { parseIp, parseClientIp, parseCidr, IpAddr } from "../ip";

function ipStr(s: string): string {
  const ip = parseIp(s);
  return ip === null ? "null" : ip.toString();
}

function inBlock(block: string, ip: string): bool {
  const c = parseCidr(block);
  expect(c.error).toBeNull(block);
  const a = parseIp(ip);
  expect(a).not.toBeNull(ip);
  return c.cidr!.contains(a!);
}

describe("parseIp", () => {
  it("parses IPv4 and rejects junk", () => {
    expect(ipStr("1.2.3.4")).toBe("1.2.3.4");
    expect(ipStr("255.255.255.255")).toBe("255.255.255.255");
    expect(ipStr("256.1.1.1")).toBe("null");
    expect(ipStr("1.2.3")).toBe("null");
    expect(ipStr("1.2.3.4.5")).toBe("null");
    expect(ipStr("01.2.3.4")).toBe("null");
    expect(ipStr("1..3.4")).toBe("null");
    expect(ipStr("a.b.c.d")).toBe("null");
    expect(ipStr("")).toBe("null");
  });
  it("parses IPv6 and prints RFC 5952 text", () => {
    expect(ipStr("::1")).toBe("::1");
    expect(ipStr("::")).toBe("::");
    expect(ipStr("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(ipStr("2001:db8:0:1:0:0:0:1")).toBe("2001:db8:0:1::1");
    expect(ipStr("fe80::1%eth0")).toBe("fe80::1");
    expect(ipStr("1:2:3:4:5:6:7::")).toBe("1:2:3:4:5:6:7:0");
    expect(ipStr("1:2:3:4:5:6:7:8")).toBe("1:2:3:4:5:6:7:8");
    expect(ipStr("1:2:3:4:5:6:7:8:9")).toBe("null");
    expect(ipStr("1::2::3")).toBe("null");
    expect(ipStr(":1:2")).toBe("null");
    expect(ipStr("1:2:")).toBe("null");
    expect(ipStr("12345::")).toBe("null");
    expect(ipStr("::g")).toBe("null");
  });
  it("treats IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(ipStr("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(ipStr("::ffff:a01:203")).toBe("10.1.2.3");
  });
});

describe("parseClientIp", () => {
  it("strips ports, brackets and X-Forwarded-For tails", () => {
    expect(parseClientIp("1.2.3.4:5678")!.toString()).toBe("1.2.3.4");
    expect(parseClientIp("[::1]:80")!.toString()).toBe("::1");
    expect(parseClientIp(" 9.8.7.6 , 10.0.0.1")!.toString()).toBe("9.8.7.6");
    expect(parseClientIp("2001:db8::5")!.toString()).toBe("2001:db8::5");
    expect(parseClientIp("unknown")).toBeNull();
    expect(parseClientIp("[::1")).toBeNull();
  });
});

describe("parseCidr", () => {
  it("matches blocks", () => {
    expect(inBlock("1.1.1.0/24", "1.1.1.200")).toBe(true);
    expect(inBlock("1.1.1.0/24", "1.1.2.1")).toBe(false);
    expect(inBlock("1.1.1.1", "1.1.1.1")).toBe(true);
    expect(inBlock("1.1.1.1", "1.1.1.2")).toBe(false);
    expect(inBlock("0.0.0.0/0", "200.1.1.1")).toBe(true);
    expect(inBlock("10.0.0.0/9", "10.127.255.255")).toBe(true);
    expect(inBlock("10.0.0.0/9", "10.128.0.0")).toBe(false);
    expect(inBlock("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(inBlock("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(inBlock("::/0", "::1")).toBe(true);
    expect(inBlock("::ffff:10.0.0.0/104", "10.2.3.4")).toBe(true);
  });
  it("keeps families apart", () => {
    expect(inBlock("0.0.0.0/0", "::1")).toBe(false);
    expect(inBlock("::/0", "1.2.3.4")).toBe(false);
  });
  it("reports bad blocks", () => {
    expect(parseCidr("1.2.3.4/33").error).toBe("invalid prefix length in 1.2.3.4/33");
    expect(parseCidr("1.2.3.4/").error).toBe("invalid prefix length in 1.2.3.4/");
    expect(parseCidr("1.2.3.4/x").error).toBe("invalid prefix length in 1.2.3.4/x");
    expect(parseCidr("host/8").error).toBe("not an IP address or CIDR block: host/8");
    expect(parseCidr("::/129").error).toBe("invalid prefix length in ::/129");
  });
});
