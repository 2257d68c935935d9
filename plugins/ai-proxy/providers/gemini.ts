// Google Gemini (type "gemini"), Generative Language API: chat goes to
// /<apiVersion>/models/<model>:generateContent, or :streamGenerateContent?alt=sse when streaming,
// with `x-goog-api-key`; the model and the stream flag are in the path, so the request body must
// be read before the headers go on. Embeddings and model lists use Gemini's OpenAI-compatible
// endpoints (/v1beta/openai/..., Bearer). `geminiSafetySetting` {category: threshold} becomes the
// request's safetySettings. (geminiThinkingBudget is accepted with a warning, not applied.)
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { jsonQuote } from "../../shared/json-string";

export class SafetySetting {
  constructor(public category: string, public threshold: string) {}
}

export class GeminiProvider extends Provider {
  apiVersion: string = "v1beta";
  customDomain: string = "";
  safety: SafetySetting[] = [];

  ownFields(): string[] {
    return ["geminiSafetySetting", "apiVersion", "geminiCustomDomain"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    this.apiVersion = f.str(obj, "apiVersion", path, "v1beta");
    if (this.apiVersion != "v1" && this.apiVersion != "v1beta") {
      f.fail(fieldPath(path, "apiVersion"), "expected \"v1\" or \"v1beta\"");
    }
    this.customDomain = f.str(obj, "geminiCustomDomain", path, "");
    const ss = f.obj(obj, "geminiSafetySetting", path);
    if (ss !== null) {
      const spath = fieldPath(path, "geminiSafetySetting");
      const keys = ss.keys();
      for (let i = 0; i < keys.length; i++) {
        this.safety.push(new SafetySetting(keys[i], f.str(ss, keys[i], spath, "")));
      }
    }
  }

  defaultHost(): string {
    return this.customDomain.length > 0 ? this.customDomain : "generativelanguage.googleapis.com";
  }

  upstreamProtocol(api: Api): Protocol {
    return api == Api.ChatCompletions || api == Api.Messages ? Protocol.Gemini : Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    if (api == Api.ChatCompletions || api == Api.Messages) {
      const base = "/" + this.apiVersion + "/models/" + model;
      return stream ? base + ":streamGenerateContent?alt=sse" : base + ":generateContent";
    }
    if (api == Api.Embeddings) return "/v1beta/openai/embeddings";
    if (api == Api.Models) return "/v1beta/openai/models";
    return "";
  }

  /** Adds `safetySettings` from geminiSafetySetting to a converted request. */
  finishConvertedBody(body: string): string {
    if (this.safety.length == 0 || !body.endsWith("}")) return body;
    let list = "";
    for (let i = 0; i < this.safety.length; i++) {
      list += (i > 0 ? "," : "") + '{"category":' + jsonQuote(this.safety[i].category) + ',"threshold":' + jsonQuote(this.safety[i].threshold) + "}";
    }
    const open = body.length > 2 ? "," : "";
    return body.substring(0, body.length - 1) + open + '"safetySettings":[' + list + "]}";
  }

  pathNeedsBody(api: Api): bool {
    return api == Api.ChatCompletions || api == Api.Messages;
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    if (this.upstreamProtocol(api) == Protocol.Gemini) out.push(new HeaderPair("x-goog-api-key", key));
    else addBearer(key, out);
  }
}
