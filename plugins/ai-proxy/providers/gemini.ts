// Google Gemini (type "gemini"), Generative Language API: chat goes to
// /<apiVersion>/models/<model>:generateContent, or :streamGenerateContent?alt=sse when streaming,
// with `x-goog-api-key`; the model and the stream flag are in the path, so the request body must
// be read before the headers go on. Embeddings and model lists use Gemini's OpenAI-compatible
// endpoints (/v1beta/openai/..., Bearer). `geminiSafetySetting` {category: threshold} becomes the
// request's safetySettings; `geminiThinkingBudget` becomes generationConfig.thinkingConfig.
// thinkingBudget of converted chat requests (-1 dynamic, 0 off; thoughts are not asked back:
// the converter drops thought parts anyway).
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { jsonQuote } from "../../shared/json-string";
import { setJsonPath } from "../json-set-path";
import { SettingColumn } from "../custom-settings";

const THINKING_BUDGET_PATH: string[] = ["generationConfig", "thinkingConfig", "thinkingBudget"];

export class SafetySetting {
  constructor(public category: string, public threshold: string) {}
}

export class GeminiProvider extends Provider {
  apiVersion: string = "v1beta";
  customDomain: string = "";
  safety: SafetySetting[] = [];
  /** geminiThinkingBudget; i64.MIN_VALUE = not set */
  thinkingBudget: i64 = i64.MIN_VALUE;

  ownFields(): string[] {
    return ["geminiSafetySetting", "apiVersion", "geminiCustomDomain", "geminiThinkingBudget"];
  }

  originalSettingColumn(): SettingColumn { return SettingColumn.Gemini; }
  originalSettingPrefix(): string { return "generation_config."; }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    this.apiVersion = f.str(obj, "apiVersion", path, "v1beta");
    if (this.apiVersion != "v1" && this.apiVersion != "v1beta") {
      f.fail(fieldPath(path, "apiVersion"), "expected \"v1\" or \"v1beta\"");
    }
    this.customDomain = f.str(obj, "geminiCustomDomain", path, "");
    this.thinkingBudget = f.int(obj, "geminiThinkingBudget", path, i64.MIN_VALUE, -1, 1000000);
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

  /** Adds `safetySettings` (geminiSafetySetting) and the thinking budget to a converted request. */
  finishConvertedBody(body: string): string {
    if (this.thinkingBudget != i64.MIN_VALUE) {
      const b = setJsonPath(body, THINKING_BUDGET_PATH, this.thinkingBudget.toString(), true);
      if (b !== null) body = b!;
    }
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
