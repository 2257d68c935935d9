// Access logs: format parsing, formatting of a finished stream, and the config checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import type { AccessLogEntry } from "../../host/contract.ts";
import { formatAccessLog } from "../../host/runner/access-log.ts";
import { parseBootstrap } from "../../host/runner/bootstrap.ts";
import { parseFormat } from "../../host/runner/config/access-log.ts";

const entry: AccessLogEntry = {
  startTimeMs: Date.UTC(2025, 0, 2, 3, 4, 5, 67),
  durationMs: 12.6,
  method: "POST",
  path: "/v1/chat/completions",
  authority: "gw",
  protocol: "HTTP/1.1",
  requestId: "req-1",
  responseCode: 200,
  responseCodeDetails: "via_upstream",
  responseFlags: "",
  bytesReceived: 10,
  bytesSent: 20,
  routeName: "",
  upstreamCluster: "mock-llm",
  filterState: new Map([["wasm.ai_log", new TextEncoder().encode('{\\"model\\":\\"gpt\\"}')]]),
};

describe("access log format", () => {
  it("substitutes the supported operators, '-' for missing values, and truncates with :Z", () => {
    const tokens = parseFormat(
      '[%START_TIME%] "%REQ(:METHOD)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %ROUTE_NAME% %UPSTREAM_CLUSTER% %REQ(x-request-id)% %RESPONSE_CODE_DETAILS%:%REQ(:METHOD):2% {"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%","other":"%FILTER_STATE(wasm.none:PLAIN)%"}\n',
    );
    assert.ok(Array.isArray(tokens));
    assert.equal(
      formatAccessLog({ format: tokens, omitEmptyValues: false }, entry),
      '[2025-01-02T03:04:05.067Z] "POST HTTP/1.1" 200 - 10 20 13 - mock-llm req-1 via_upstream:PO {"ai_log":"{\\"model\\":\\"gpt\\"}","other":"-"}\n',
    );
    assert.equal(formatAccessLog({ format: parseFormat("%ROUTE_NAME%|") as never, omitEmptyValues: true }, entry), "|");
  });

  it("rejects operators the runner cannot fill truthfully", () => {
    assert.match(parseFormat("%REQ(:PATH)%") as string, /records only %REQ\(:METHOD\)%, %REQ\(X-REQUEST-ID\)%/);
    assert.equal(parseFormat("%UPSTREAM_HOST%"), "%UPSTREAM_HOST%: not supported by the local runner");
    assert.equal(parseFormat("%START_TIME(%s)%"), "%START_TIME(%s)%: not supported by the local runner");
    assert.equal(parseFormat("%FILTER_STATE(k)%"), "%FILTER_STATE(k)%: only the KEY:PLAIN form is supported");
    assert.match(parseFormat("100% sure") as string, /malformed command operator at offset 3/);
  });
});

describe("access_log config", () => {
  const base = (accessLog: unknown) =>
    stringify({
      static_resources: {
        listeners: [
          {
            address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
            filter_chains: [
              {
                filters: [
                  {
                    name: "hcm",
                    typed_config: {
                      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                      stat_prefix: "s",
                      access_log: accessLog,
                      route_config: { virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 200 } }] }] },
                      http_filters: [{ name: "router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    });
  const at = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log";
  const STDOUT = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";

  it("reads stdout and file loggers with text formats", () => {
    const r = parseBootstrap(
      base([
        { name: "out", typed_config: { "@type": STDOUT, log_format: { text_format_source: { inline_string: "%RESPONSE_CODE%\n" } } } },
        { name: "file", typed_config: { "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", path: "/tmp/x.log", log_format: { text_format: "%DURATION%", omit_empty_values: true } } },
      ]),
      "/",
    );
    assert.ok(r.ok, r.ok ? "" : r.errors.join("\n"));
    const logs = r.spec.listeners[0].accessLogs;
    assert.deepEqual(logs[0], { sink: { kind: "stdout" }, format: [{ kind: "op", name: "RESPONSE_CODE", max: 0 }, { kind: "text", text: "\n" }], omitEmptyValues: false });
    assert.deepEqual(logs[1].sink, { kind: "file", path: "/tmp/x.log" });
    assert.equal(logs[1].omitEmptyValues, true);
  });

  it("names what it cannot do: the default format, json_format, filters, unknown operators", () => {
    const r = parseBootstrap(
      base([
        { name: "a", typed_config: { "@type": STDOUT } },
        { name: "b", typed_config: { "@type": STDOUT, log_format: { json_format: { code: "%RESPONSE_CODE%" } } } },
        { name: "c", filter: { status_code_filter: {} }, typed_config: { "@type": STDOUT, log_format: { text_format_source: { inline_string: "%UPSTREAM_HOST%" } } } },
      ]),
      "/",
    );
    assert.equal(r.ok, false);
    assert.deepEqual((r.ok ? [] : r.errors).sort(), [
      `${at}[0].typed_config.log_format: required by the local runner (Envoy's default format prints request headers the runner does not record)`,
      `${at}[1].typed_config.log_format.json_format: not supported by the local runner`,
      `${at}[1].typed_config.log_format: text_format_source.inline_string is required (json_format is not supported by the local runner)`,
      `${at}[2].filter: not supported by the local runner`,
      `${at}[2].typed_config.log_format.text_format_source.inline_string: %UPSTREAM_HOST%: not supported by the local runner`,
    ]);
  });
});
