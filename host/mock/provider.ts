// The seam between the server (routing, recording, faults, the socket) and a provider's format.
// A provider turns a parsed request into a Reply value and never touches the socket.

import type { ProviderKind } from "./faults.ts";
import type { Reply } from "./response-writer.ts";
import type { MockState } from "./state.ts";

export interface MockRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when empty or unparsable (see `bodyInvalid`). */
  body: unknown;
  /** True when a body was sent but is not valid JSON. */
  bodyInvalid: boolean;
}

export interface Provider {
  kind: ProviderKind;
  /** True when this provider serves the path (the first provider that claims it wins). */
  claims(method: string, path: string): boolean;
  handle(req: MockRequest, state: MockState): Reply;
  /** The provider's error reply for an injected status. */
  errorReply(status: number, req: MockRequest, state: MockState): Reply;
  /** The provider's answer for a path no provider serves. */
  notFound(req: MockRequest, state: MockState): Reply;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deterministic ids: `<prefix>mock` + a zero-padded per-server counter. */
export function mockId(prefix: string, n: number): string {
  return `${prefix}mock${String(n).padStart(6, "0")}`;
}
