// Name resolution for STRICT_DNS / LOGICAL_DNS clusters, with Envoy's dns_lookup_family rules:
// AUTO = IPv6 first, IPv4 if there is none; V4_PREFERRED = the reverse; ALL = both.
// Uses the system resolver (getaddrinfo), so /etc/hosts entries such as localhost resolve.
import * as dns from "node:dns";
import type { DnsLookupFamily } from "../config/types.ts";

async function lookupFamily(name: string, family: 4 | 6): Promise<string[]> {
  try {
    const answers = await dns.promises.lookup(name, { all: true, family });
    return answers.map((a) => a.address);
  } catch {
    return [];
  }
}

/** Resolved addresses in resolver order; [] when the name does not resolve. */
export async function resolveName(name: string, family: DnsLookupFamily): Promise<string[]> {
  switch (family) {
    case "V4_ONLY":
      return lookupFamily(name, 4);
    case "V6_ONLY":
      return lookupFamily(name, 6);
    case "V4_PREFERRED": {
      const v4 = await lookupFamily(name, 4);
      return v4.length > 0 ? v4 : lookupFamily(name, 6);
    }
    case "ALL":
      return [...(await lookupFamily(name, 6)), ...(await lookupFamily(name, 4))];
    default: {
      const v6 = await lookupFamily(name, 6);
      return v6.length > 0 ? v6 : lookupFamily(name, 4);
    }
  }
}
