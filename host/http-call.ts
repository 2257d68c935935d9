// proxy_http_call (Envoy Context::httpCall, onHttpCallSuccess/onHttpCallFailure).
// - the call belongs to the ROOT context (cpp-host runs http_call on root_context()) and its
//   response comes to proxy_on_http_call_response(root_id, token, headers, body_size, trailers);
// - unknown cluster, negative timeout (as int32), or no :method/:path/:authority: BadArgument;
// - a non-empty body sets content-length; x-envoy-internal and x-envoy-expected-rq-timeout-ms are
//   added; timeout 0 = none; tokens start at 1 per VM;
// - timeout, connect failure and a reset before response headers come back as local-reply
//   responses (504 "upstream request timeout", 503 "upstream connect error ..."), as Envoy's
//   async client + router produce them; a reset after response headers calls back with (0, 0, 0)
//   and proxy_get_status gives 11 (BrokenConnection) "reset".

import type { HeaderList, UpstreamFailure, UpstreamRequest } from "./contract.ts";
import { WasmResult } from "./enums.ts";
import { HeaderMap } from "./http/header-map.ts";
import type { RootContext } from "./context.ts";
import { localReplyHeaders, upstreamResetBody } from "./http/local-reply.ts";

const EMPTY = new Uint8Array(0);

export function httpCall(
  root: RootContext,
  cluster: string,
  headerList: HeaderList,
  body: Uint8Array,
  trailers: HeaderList,
  timeoutMs: number,
): { result: WasmResult; token: number } {
  const vm = root.vm;
  const clusters = vm.env.services.clusters;
  if ((timeoutMs | 0) < 0) return { result: WasmResult.BadArgument, token: 0 };
  if (!clusters.has(cluster)) return { result: WasmResult.BadArgument, token: 0 };
  const headers = new HeaderMap();
  for (const [k, v] of headerList) headers.append(k, v);
  if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) {
    return { result: WasmResult.BadArgument, token: 0 };
  }
  if (body.length > 0) headers.set("content-length", String(body.length));
  // The async client marks the request internal (send_internal) and its router, which does not
  // suppress Envoy headers, announces the timeout.
  headers.set("x-envoy-internal", "true");
  if (timeoutMs > 0) headers.set("x-envoy-expected-rq-timeout-ms", String(timeoutMs));
  const token = vm.nextHttpCallId++;
  const dispatcher = vm.env.dispatcher;
  const started = performance.now();

  let done = false;
  let timer: unknown = null;
  let respHeaders: HeaderMap | null = null;
  const chunks: Uint8Array[] = [];
  let respTrailers: HeaderMap | null = null;
  let upstream: UpstreamRequest | null = null;

  const finish = (): void => {
    done = true;
    if (timer !== null) vm.clock.clearTimeout(timer);
    timer = null;
  };
  const deliver = (h: HeaderMap, b: Uint8Array, t: HeaderMap | null): void => {
    dispatcher.event(() => {
      if (!root.pending.delete(token)) return; // cancelled
      root.httpCallResponse = { headers: h, body: b, trailers: t };
      try {
        vm.call(root, vm.exports.proxy_on_http_call_response, root.id, token, h.size, b.length, t ? t.size : 0);
      } finally {
        root.httpCallResponse = null;
      }
    });
  };
  const deliverFailure = (): void => {
    dispatcher.event(() => {
      if (!root.pending.delete(token)) return;
      root.statusCode = WasmResult.BrokenConnection;
      root.statusMessage = "reset";
      try {
        vm.call(root, vm.exports.proxy_on_http_call_response, root.id, token, 0, 0, 0);
      } finally {
        root.statusMessage = "";
      }
    });
  };
  const localReply = (code: number, text: string): void => {
    const b = Buffer.from(text, "latin1");
    deliver(new HeaderMap(localReplyHeaders(code, b.length)), b, null);
  };
  const complete = (): void => {
    finish();
    const b = chunks.length === 1 ? chunks[0] : chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
    deliver(respHeaders!, b, respTrailers);
  };

  root.pending.set(token, {
    cancel: () => {
      if (!done) {
        finish();
        upstream?.abort();
      }
    },
  });

  upstream = clusters.request(cluster, headers.toList(), {
    onHeaders(list, endStream) {
      if (done) return;
      respHeaders = new HeaderMap(list);
      respHeaders.append("x-envoy-upstream-service-time", String(Math.round(performance.now() - started)));
      if (endStream) complete();
    },
    onData(chunk, endStream) {
      if (done) return;
      if (chunk.length) chunks.push(chunk);
      if (endStream) complete();
    },
    onTrailers(list) {
      if (done) return;
      respTrailers = new HeaderMap(list);
      complete();
    },
    onFailure(reason: UpstreamFailure) {
      if (done) return;
      finish();
      if (respHeaders === null) localReply(503, upstreamResetBody(reason));
      else deliverFailure();
    },
  });
  if (upstream === null) {
    root.pending.delete(token);
    return { result: WasmResult.BadArgument, token: 0 };
  }
  if (!done) upstream.write(body, true);
  if (timeoutMs > 0 && !done) {
    timer = vm.clock.setTimeout(() => {
      if (done) return;
      finish();
      upstream?.abort();
      localReply(504, "upstream request timeout");
    }, timeoutMs);
  }
  return { result: WasmResult.Ok, token };
}
