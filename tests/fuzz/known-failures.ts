// Confirmed plugin bugs found by the fuzzer and reported (not fixed here: plugin code belongs to
// its owners). A failure matching an entry is listed as "known" in the summary instead of failing
// the run. Each entry carries the report text; remove it once the plugin is fixed.
import type { Failure } from "./run.ts";

interface Known {
  id: string;
  report: string;
  match: (f: Failure) => boolean;
}

// (ai-proxy-utf8-continuation and ai-proxy-truncated-event-flushed were fixed in ai-proxy; their
// regressions are in tests/ai-proxy/fuzz-regressions.test.ts.)
export const KNOWN: Known[] = [];

/** The id + report of the known bug this failure is, or undefined. */
export function isKnownFailure(f: Failure): string | undefined {
  const k = KNOWN.find((k) => k.match(f));
  return k ? `${k.id}: ${k.report}` : undefined;
}
