// Shared helpers for the mock-provider tests: raw HTTP (to see exact bytes and write boundaries)
// and SSE splitting that accepts LF and CRLF.

import http from "node:http";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Each `data` event of the response body, in arrival order. */
  chunks: Buffer[];
  /** Milliseconds after the request was sent, per chunk. */
  times: number[];
  body: string;
  /** Set when the connection failed or was reset. */
  error?: Error;
}

/** Sends one request and collects the response exactly as it arrives. Never rejects. */
export function rawRequest(
  baseUrl: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | object; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const payload = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const start = Date.now();
  return new Promise((resolve) => {
    const out: RawResponse = { status: 0, headers: {}, chunks: [], times: [], body: "" };
    const finish = (error?: Error) => {
      if (error) out.error = error;
      out.body = Buffer.concat(out.chunks).toString("utf8");
      resolve(out);
    };
    const req = http.request(
      url,
      { method: opts.method ?? (payload === undefined ? "GET" : "POST"), headers: { "content-type": "application/json", ...opts.headers }, agent: false },
      (res) => {
        out.status = res.statusCode ?? 0;
        out.headers = res.headers;
        res.on("data", (c: Buffer) => {
          out.chunks.push(c);
          out.times.push(Date.now() - start);
        });
        res.on("end", () => finish());
        res.on("error", (e) => finish(e));
        res.on("aborted", () => finish(new Error("aborted")));
      },
    );
    req.on("error", (e) => finish(e));
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error("timeout")));
    req.end(payload);
  });
}

/** Splits an SSE body into events ({event?, data}), accepting LF or CRLF line endings. */
export function parseSse(body: string): { event?: string; data: string }[] {
  const out: { event?: string; data: string }[] = [];
  for (const block of body.split(/\r\n\r\n|\n\n/)) {
    if (block.trim() === "") continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n/)) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    out.push(event === undefined ? { data: data.join("\n") } : { event, data: data.join("\n") });
  }
  return out;
}

export const OPENAI_KEY = "sk-mock-test-key-0001";
export const ANTHROPIC_KEY = "sk-ant-mock-test-key";
export const GEMINI_KEY = "AIza-mock-test-key";

export const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] },
  },
};

export const timeTool = {
  type: "function" as const,
  function: {
    name: "get_time",
    description: "Local time in a zone",
    parameters: { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] }, exact: { type: "boolean" } } },
  },
};
