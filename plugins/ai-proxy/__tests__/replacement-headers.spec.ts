import { HeaderPair } from "../../../assembly/pairs";
import { replacementHeaders } from "../replacement-headers";

function render(list: HeaderPair[]): string {
  let s = "";
  for (let i = 0; i < list.length; i++) s += list[i].key + "=" + list[i].value + ";";
  return s;
}

describe("replacement headers", () => {
  it("status, ai-proxy's own, then the served answer's minus framing and hop-by-hop", () => {
    const own = [new HeaderPair("content-type", "application/json"), new HeaderPair("x-ai-provider", "mini")];
    const served = [
      new HeaderPair(":status", "200"), new HeaderPair("content-type", "text/plain"), new HeaderPair("Content-Length", "12"),
      new HeaderPair("transfer-encoding", "chunked"), new HeaderPair("connection", "keep-alive"),
      new HeaderPair("request-id", "req_1"), new HeaderPair("content-encoding", "gzip"), new HeaderPair("x-ai-provider", "spoof"),
    ];
    expect(render(replacementHeaders(200, own, served, false))).toBe(":status=200;content-type=application/json;x-ai-provider=mini;request-id=req_1;");
    expect(render(replacementHeaders(200, own, served, true))).toBe(":status=200;content-type=application/json;x-ai-provider=mini;request-id=req_1;content-encoding=gzip;");
  });
  it("no served answer (cache, local error): only ai-proxy's", () => {
    expect(render(replacementHeaders(503, [new HeaderPair("x-ai-cache", "degraded")], null, false))).toBe(":status=503;x-ai-cache=degraded;");
  });
});
