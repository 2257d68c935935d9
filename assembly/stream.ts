// Stream control for the current HTTP context: local replies, resume, close.
import { proxy_send_local_response, proxy_continue_stream, proxy_close_stream, proxy_get_status } from "./abi/imports";
import { StreamType, WasmResult } from "./enums";
import { HeaderPair, encodePairs } from "./pairs";
import { RET_PTR, RET_SIZE, RET_EXTRA, clearReturnSlots, takeReturnedString } from "./memory";

/** Sends a reply from the proxy. Carried out after the current callback returns (whose status
 *  Envoy forces to Stop); this filter's own response callbacks then run for the reply. A second
 *  call in the same stream is BadArgument. grpcStatus -1 = none. */
export function sendLocalResponse(status: u32, details: string, body: ArrayBuffer, headers: HeaderPair[], grpcStatus: i32 = -1): WasmResult {
  const d = String.UTF8.encode(details);
  const h = encodePairs(headers);
  return <WasmResult>proxy_send_local_response(
    status, changetype<usize>(d), <usize>d.byteLength,
    changetype<usize>(body), <usize>body.byteLength,
    changetype<usize>(h), <usize>h.byteLength, grpcStatus,
  );
}

/** Resumes a request paused by a Stop status. The request maps become unavailable after it. */
export function continueRequest(): WasmResult {
  return <WasmResult>proxy_continue_stream(<u32>StreamType.Request);
}

export function continueResponse(): WasmResult {
  return <WasmResult>proxy_continue_stream(<u32>StreamType.Response);
}

export function closeRequest(): WasmResult {
  return <WasmResult>proxy_close_stream(<u32>StreamType.Request);
}

export function closeResponse(): WasmResult {
  return <WasmResult>proxy_close_stream(<u32>StreamType.Response);
}

/** Status of the last http-call / grpc callback (e.g. 11 BrokenConnection after a reset). */
export class HostStatus {
  constructor(public code: u32, public message: string) {}
}

export function getStatus(): HostStatus {
  clearReturnSlots();
  store<u32>(RET_EXTRA, 0);
  const r = proxy_get_status(RET_EXTRA, RET_PTR, RET_SIZE);
  if (r != WasmResult.Ok) return new HostStatus(<u32>r, "");
  const code = load<u32>(RET_EXTRA);
  return new HostStatus(code, takeReturnedString());
}
