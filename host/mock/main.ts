// Runs the mock provider on its own: npx tsx host/mock/main.ts [--port 9100] [--host 127.0.0.1]
//   [--provider openai|anthropic|gemini] [--keys k1,k2]
// Without --provider it serves all three. Stops on SIGINT/SIGTERM.

import { startMockProvider, startUpstream, type ProviderKind } from "./index.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = arg("port") === undefined ? 9100 : Number(arg("port"));
const host = arg("host") ?? "127.0.0.1";
const keys = arg("keys")?.split(",").filter((k) => k !== "");
const provider = arg("provider") as ProviderKind | undefined;

const server = provider ? await startUpstream(provider, { port, host, keys }) : await startMockProvider({ port, host, keys });
console.log(`mock provider (${provider ?? "openai, anthropic, gemini"}) listening on ${server.url}`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    server.close().then(() => process.exit(0));
  });
}
