// Local replies as Envoy builds them (source/common/http/utility.cc prepareLocalReply):
// ":status", then the sender's extra headers, then content-length and (when absent)
// content-type: text/plain, both only for a non-empty body. Plus the router's error texts.

import type { HeaderList, UpstreamFailure } from "../contract.ts";

export function localReplyHeaders(code: number, bodyLength: number, extra: HeaderList = []): HeaderList {
  const out: HeaderList = [[":status", String(code)]];
  for (const [k, v] of extra) out.push([k.toLowerCase(), v]);
  if (bodyLength > 0) {
    const i = out.findIndex((h) => h[0] === "content-length");
    if (i >= 0) out.splice(i, 1);
    out.push(["content-length", String(bodyLength)]);
    if (!out.some((h) => h[0] === "content-type")) out.push(["content-type", "text/plain"]);
  }
  return out;
}

const RESET_REASON: Record<Exclude<UpstreamFailure, "no_healthy_upstream">, string> = {
  connect: "connection failure",
  reset: "connection termination",
  timeout: "connection timeout",
  overflow: "overflow",
};

// No host chosen is not a reset: router.cc sendNoHealthyUpstreamResponse.
const NO_HEALTHY_BODY = "no healthy upstream";
const NO_HEALTHY_DETAILS = "no_healthy_upstream";

/** Router's body for a failure before response headers (onUpstreamReset). */
export function upstreamResetBody(reason: UpstreamFailure): string {
  if (reason === "no_healthy_upstream") return NO_HEALTHY_BODY;
  return `upstream connect error or disconnect/reset before headers. reset reason: ${RESET_REASON[reason]}`;
}

/** Response code details for the same failure (StreamInfo::ResponseCodeDetails). */
export function upstreamResetDetails(reason: UpstreamFailure): string {
  if (reason === "no_healthy_upstream") return NO_HEALTHY_DETAILS;
  return `upstream_reset_before_response_started{${RESET_REASON[reason].replace(/ /g, "_")}}`;
}

/** HTTP reason text Envoy uses as local-reply body for 413/500 (CodeUtility::toString). */
export const CODE_TEXT: Record<number, string> = {
  413: "Payload Too Large",
  500: "Internal Server Error",
};
