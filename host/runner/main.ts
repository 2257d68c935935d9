// Command line, following Envoy's:  npx tsx host/runner/main.ts -c envoy/envoy.yaml [--concurrency N]
//   [-l info] [--mock]
// --mock also starts the built-in mock provider on the port of the file's "mock-llm" cluster.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadBootstrapFile } from "./bootstrap.ts";
import { levelFromName, RunnerLogger } from "./logger.ts";
import { BootstrapError, startRunner } from "./runner.ts";

const MOCK_CLUSTER = "mock-llm";
const USAGE = `usage: npx tsx host/runner/main.ts -c <envoy.yaml> [--concurrency N] [-l trace|debug|info|warning|error] [--mock]`;

interface Args {
  config: string;
  concurrency?: number;
  logLevel: number;
  mock: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const out: Args = { config: "", logLevel: 2, mock: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "-c":
      case "--config-path":
        out.config = value() ?? "";
        break;
      case "--concurrency": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) return "--concurrency: expected a whole number of workers, at least 1";
        out.concurrency = n;
        break;
      }
      case "-l":
      case "--log-level": {
        const level = levelFromName(value() ?? "");
        if (level === null) return "--log-level: expected trace, debug, info, warning, error or critical";
        out.logLevel = level;
        break;
      }
      case "--mock":
        out.mock = true;
        break;
      case "-h":
      case "--help":
        return USAGE;
      default:
        return `${a}: unknown option\n${USAGE}`;
    }
  }
  if (out.config === "") return `-c <envoy.yaml> is required\n${USAGE}`;
  return out;
}

type MockHandle = { port: number; close(): void | Promise<void> };

/** The mock provider lives in host/mock/ (another part of the project); load it only if present. */
async function startMock(port: number): Promise<MockHandle> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "mock", "index.ts");
  if (!fs.existsSync(file)) throw new Error("--mock: host/mock/index.ts is not available in this checkout");
  const mod = (await import(pathToFileURL(file).href)) as { startMockProvider?: (o: { port: number }) => Promise<MockHandle> };
  if (typeof mod.startMockProvider !== "function") throw new Error("--mock: host/mock/index.ts does not export startMockProvider");
  return mod.startMockProvider({ port });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    console.error(args);
    return args === USAGE ? 0 : 1;
  }
  const logger = new RunnerLogger(args.logLevel);
  const baseDir = process.cwd(); // Envoy resolves relative paths from its working directory

  let mock: MockHandle | null = null;
  if (args.mock) {
    const parsed = loadBootstrapFile(args.config, baseDir);
    if (!parsed.ok) throw new BootstrapError(parsed.errors);
    const cluster = parsed.spec.clusters.find((c) => c.name === MOCK_CLUSTER);
    const port = cluster?.endpoints[0]?.port;
    if (!port) throw new Error(`--mock: ${args.config} has no "${MOCK_CLUSTER}" cluster with an endpoint to start the mock provider on`);
    mock = await startMock(port);
    logger.log(2, "runner", `mock provider on 127.0.0.1:${mock.port}`);
  }

  const runner = await startRunner({ configPath: args.config, concurrency: args.concurrency, logger, baseDir });
  if (mock && runner.listenerPorts.length > 0) {
    console.log(
      `\nTry:\n  curl -s http://127.0.0.1:${runner.listenerPorts[0]}/v1/chat/completions -H 'content-type: application/json' \\\n` +
        `    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'\n`,
    );
  }
  if (runner.adminPort !== null) console.log(`Stats: curl -s http://127.0.0.1:${runner.adminPort}/stats/prometheus`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) process.exit(1); // a second signal: give up on a clean shutdown
    stopping = true;
    logger.log(2, "runner", `${signal}: shutting down`);
    await runner.close();
    await mock?.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  await runner.closed; // POST /quitquitquit, or a signal
  await mock?.close();
  return 0;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
