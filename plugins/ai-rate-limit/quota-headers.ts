// show_limit_quota_header: the tightest request and token quota of an admitted request on its
// response, with Higress's names (X-RateLimit-* for requests, X-TokenRateLimit-* for tokens).
import { responseHeaders } from "../../assembly";
import { Ledger } from "./ledger";

export function addQuotaHeaders(ledger: Ledger): void {
  const q = ledger.requests;
  if (q.limit >= 0) {
    responseHeaders.replace("x-ratelimit-limit", q.limit.toString());
    responseHeaders.replace("x-ratelimit-remaining", q.remaining.toString());
  }
  const t = ledger.tokens;
  if (t.limit >= 0) {
    responseHeaders.replace("x-tokenratelimit-limit", t.limit.toString());
    responseHeaders.replace("x-tokenratelimit-remaining", t.remaining.toString());
  }
}
