// Per-stream facts (Envoy StreamInfo): times, response code/details/flags, byte counts, the
// chosen route and cluster, addresses, and the filter state written by proxy_set_property.

import type { Route, VirtualHost } from "../contract.ts";

/** Envoy's ResponseFlag bits (legacyResponseFlags) and their access-log short names. */
export const ResponseFlag = {
  NoHealthyUpstream: [0x2, "UH"],
  UpstreamRequestTimeout: [0x4, "UT"],
  LocalReset: [0x8, "LR"],
  UpstreamRemoteReset: [0x10, "UR"],
  UpstreamConnectionFailure: [0x20, "UF"],
  UpstreamConnectionTermination: [0x40, "UC"],
  UpstreamOverflow: [0x80, "UO"],
  NoRouteFound: [0x100, "NR"],
  DownstreamConnectionTermination: [0x4000, "DC"],
  NoClusterFound: [0x1000000, "NC"],
} as const satisfies Record<string, readonly [number, string]>;
export type ResponseFlagName = keyof typeof ResponseFlag;

export interface Address {
  address: string; // "ip:port" as Envoy prints it
  ip: string;
  port: number;
}

export interface MatchedRoute {
  vhost: VirtualHost;
  route: Route;
}

export class StreamInfo {
  readonly startTimeNs: bigint;
  readonly startMs: number;
  /** monotonic ms (performance.now) at start, for durations */
  readonly startMono: number;
  requestCompleteMono: number | null = null;
  protocol = "HTTP/1.1";
  bytesReceived = 0;
  bytesSent = 0;
  responseCode: number | null = null;
  responseCodeDetails: string | null = null;
  responseFlags = 0;
  responseFlagNames: string[] = [];
  /** the route the router used or the current cached route (null: none matched) */
  route: MatchedRoute | null = null;
  /** upstreamClusterInfo: the route's cluster when the cluster manager knows it */
  clusterName: string | null = null;
  /** whether an upstream request was started */
  upstreamStarted = false;
  readonly downstreamRemote: Address;
  readonly downstreamLocal: Address;
  readonly connectionId: number;
  readonly filterState = new Map<string, Uint8Array>();
  /** dynamic metadata by namespace (e.g. "envoy.lb" from header_to_metadata); null until set */
  dynamicMetadata: Map<string, Record<string, unknown>> | null = null;

  constructor(startTimeNs: bigint, remote: Address, local: Address, connectionId: number) {
    this.startTimeNs = startTimeNs;
    this.startMs = Number(startTimeNs / 1000000n);
    this.startMono = performance.now();
    this.downstreamRemote = remote;
    this.downstreamLocal = local;
    this.connectionId = connectionId;
  }

  setResponseFlag(name: ResponseFlagName): void {
    const [bit, short] = ResponseFlag[name];
    if ((this.responseFlags & bit) === 0) {
      this.responseFlags |= bit;
      this.responseFlagNames.push(short);
    }
  }

  /** setDynamicMetadata: the fields merge into the namespace, a key written again is replaced. */
  setDynamicMetadata(namespace: string, fields: Record<string, unknown>): void {
    if (this.dynamicMetadata === null) this.dynamicMetadata = new Map();
    const cur = this.dynamicMetadata.get(namespace);
    this.dynamicMetadata.set(namespace, cur ? { ...cur, ...fields } : { ...fields });
  }

  /** request.duration: from start to the last downstream byte, once the request is complete */
  requestDurationNs(): bigint | null {
    if (this.requestCompleteMono === null) return null;
    return BigInt(Math.round((this.requestCompleteMono - this.startMono) * 1e6));
  }
}

export function address(ip: string | undefined, port: number | undefined): Address {
  let a = ip ?? "0.0.0.0";
  if (a.startsWith("::ffff:") && a.includes(".")) a = a.slice(7);
  const p = port ?? 0;
  return { ip: a, port: p, address: a.includes(":") ? `[${a}]:${p}` : `${a}:${p}` };
}
