// In-memory fakes of the runner's services for conformance tests. They live in
// host/testing/fakes.ts because host/testing.ts (used by the SDK and plugin tests) needs them too.

export { FakeClock, MemoryStats, CollectingLogger, RecordingClusters, UpstreamRecord, realClock, toBytes } from "../../host/testing/fakes.ts";
