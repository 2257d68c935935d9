// The built-in mock provider: test upstreams that speak OpenAI (and Azure OpenAI), Anthropic and
// Gemini exactly, with deterministic answers, request recording and fault injection.
// API and rules: host/mock/README.md.

import { anthropicProvider } from "./anthropic.ts";
import { geminiProvider } from "./gemini.ts";
import { openaiProvider } from "./openai.ts";
import type { ProviderKind } from "./faults.ts";
import type { Provider } from "./provider.ts";
import { serve, type MockServer, type ServeOptions } from "./server.ts";

export type { MockServer, ServeOptions } from "./server.ts";
export type { FaultSpec, QueuedFault, ProviderKind } from "./faults.ts";
export { parseFaultHeader } from "./faults.ts";
export type { KeyConfig, MockOptions, RecordedRequest } from "./state.ts";
export { MockState, DEFAULT_MODELS } from "./state.ts";
export { tokenize, countTokens } from "./tokens.ts";

export const PROVIDERS: Record<ProviderKind, Provider> = {
  gemini: geminiProvider,
  anthropic: anthropicProvider,
  openai: openaiProvider,
};

/**
 * One server that is OpenAI, Azure OpenAI, Anthropic and Gemini at once, routed by path
 * (Gemini's `/v1beta/models/<m>:<method>` first, then `/v1/messages`, then the OpenAI paths).
 * Used by the runner's `--mock` flag and by tests.
 */
export function startMockProvider(opts: ServeOptions = {}): Promise<MockServer> {
  return serve([geminiProvider, anthropicProvider, openaiProvider], opts);
}

/** A server for one provider only, on a free port unless `opts.port` is given. */
export function startUpstream(kind: ProviderKind, opts: ServeOptions = {}): Promise<MockServer> {
  const provider = PROVIDERS[kind];
  if (!provider) return Promise.reject(new Error(`startUpstream: unknown provider "${String(kind)}" (expected openai, anthropic or gemini)`));
  return serve([provider], opts);
}
