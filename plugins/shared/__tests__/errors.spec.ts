import { openAiErrorBody, anthropicErrorBody, geminiErrorBody, openAiTypeFor, anthropicTypeFor, statusForErrorType, geminiStatusFor, statusForGeminiStatus, errorTypeOf } from "../errors";
import { validateJson } from "../json-check";
import { jsonQuote } from "../json-string";

describe("errors", () => {
  it("builds protocol error bodies with escaping", () => {
    const o = openAiErrorBody('bad "model"\n', "invalid_request_error", "");
    expect(o).toBe('{"error":{"message":"bad \\"model\\"\\n","type":"invalid_request_error","param":null,"code":null}}');
    expect(validateJson(o)).toBeNull();
    expect(openAiErrorBody("m", "rate_limit_error", "rate_limit_exceeded", "model")).toBe('{"error":{"message":"m","type":"rate_limit_error","param":"model","code":"rate_limit_exceeded"}}');
    expect(anthropicErrorBody("overloaded_error", "Overloaded")).toBe('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(geminiErrorBody(429, "quota")).toBe('{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}');
    expect(jsonQuote("\u0001\\")).toBe('"\\u0001\\\\"');
  });
  it("maps statuses and types both ways", () => {
    expect(openAiTypeFor(400)).toBe("invalid_request_error");
    expect(openAiTypeFor(401)).toBe("authentication_error");
    expect(openAiTypeFor(429)).toBe("rate_limit_error");
    expect(openAiTypeFor(502)).toBe("server_error");
    expect(anthropicTypeFor(404)).toBe("not_found_error");
    expect(anthropicTypeFor(529)).toBe("overloaded_error");
    expect(anthropicTypeFor(500)).toBe("api_error");
    expect(statusForErrorType("rate_limit_error")).toBe(429);
    expect(statusForErrorType("overloaded_error")).toBe(529);
    expect(statusForErrorType("permission_error")).toBe(403);
    expect(statusForErrorType("whatever")).toBe(500);
    expect(geminiStatusFor(400)).toBe("INVALID_ARGUMENT");
    expect(statusForGeminiStatus("UNAVAILABLE")).toBe(503);
    const codes: u32[] = [400, 401, 403, 404, 429, 500, 503, 504];
    for (let i = 0; i < codes.length; i++) {
      expect(statusForGeminiStatus(geminiStatusFor(codes[i]))).toBe(codes[i]);
      if (codes[i] < 500) expect(statusForErrorType(anthropicTypeFor(codes[i]))).toBe(codes[i]);
    }
  });
  it("reads the error type from any provider's error body", () => {
    expect(errorTypeOf('{"error":{"message":"x","type":"invalid_request_error","param":null,"code":"model_not_found"}}')).toBe("invalid_request_error");
    expect(errorTypeOf('{"error":{"message":"x","type":null,"code":"rate_limit_exceeded"}}')).toBe("rate_limit_exceeded");
    expect(errorTypeOf('{"type":"error","error":{"type":"overloaded_error","message":"o"}}')).toBe("overloaded_error");
    expect(errorTypeOf('{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED"}}')).toBe("RESOURCE_EXHAUSTED");
    expect(errorTypeOf('{"error":{"code":500}}')).toBe("http_500");
    expect(errorTypeOf("not json")).toBe("");
  });
});
