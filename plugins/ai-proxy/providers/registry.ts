// Provider types by config `type` name: one line per provider.
import { Provider } from "./provider";
import { OpenAIProvider } from "./openai";
import { AzureProvider } from "./azure";
import { AnthropicProvider } from "./anthropic";
import { GeminiProvider } from "./gemini";
import { QwenProvider } from "./qwen";
import { DeepSeekProvider } from "./deepseek";
import { MoonshotProvider } from "./moonshot";
import { OllamaProvider } from "./ollama";
import { VllmProvider } from "./vllm";
import { GenericProvider } from "./generic";

type Factory = () => Provider;

class Entry {
  constructor(public type: string, public make: Factory) {}
}

const REGISTRY: Entry[] = [
  new Entry("openai", (): Provider => new OpenAIProvider()),
  new Entry("azure", (): Provider => new AzureProvider()),
  new Entry("claude", (): Provider => new AnthropicProvider()),
  new Entry("gemini", (): Provider => new GeminiProvider()),
  new Entry("qwen", (): Provider => new QwenProvider()),
  new Entry("deepseek", (): Provider => new DeepSeekProvider()),
  new Entry("moonshot", (): Provider => new MoonshotProvider()),
  new Entry("ollama", (): Provider => new OllamaProvider()),
  new Entry("vllm", (): Provider => new VllmProvider()),
  new Entry("generic", (): Provider => new GenericProvider()),
];

/** A fresh provider of `type` (fields not yet parsed), or null for an unknown type. */
export function createProvider(type: string): Provider | null {
  for (let i = 0; i < REGISTRY.length; i++) {
    if (REGISTRY[i].type == type) {
      const p = REGISTRY[i].make();
      p.type = type;
      return p;
    }
  }
  return null;
}

/** Known type names, for error messages. */
export function providerTypes(): string {
  let s = "";
  for (let i = 0; i < REGISTRY.length; i++) s += (i > 0 ? ", " : "") + REGISTRY[i].type;
  return s;
}
