// The SDK for proxy-wasm plugins (ABI 0.2.1). Plugins import everything from here; the callback
// exports live in abi/exports.ts, which scripts/build.mjs adds to every build. See README.md.
export * from "./enums";
export { HeaderPair, encodePairs, decodePairs } from "./pairs";
export { RootContext, HttpContext, RootFactory, registerRootContext, currentContextId, setEffectiveContext } from "./context";
export { HeaderMap, requestHeaders, requestTrailers, responseHeaders, responseTrailers, httpCallResponseHeaders, httpCallResponseTrailers } from "./headers";
export { getBuffer, getWholeBuffer, setBuffer, replaceBuffer, bufferSize } from "./buffers";
export {
  getProperty, getPropertyString, getPropertyInt, setProperty, routeName, clusterName, pluginRootId,
  PropertyPath, getPropertyAt, getPropertyStringAt, getPropertyIntAt, setPropertyAt,
} from "./properties";
export { sendLocalResponse, continueRequest, continueResponse, closeRequest, closeResponse, getStatus, HostStatus } from "./stream";
export { log } from "./log";
export { nowNanos, nowMillis, setTickPeriodMs } from "./time";
export { SharedValue, getSharedData, setSharedData, CasUpdate, casUpdateSharedData, CREATE_CAS } from "./shared-data";
export { registerQueue, resolveQueue, enqueue, dequeue } from "./queues";
export { Counter, Gauge, Histogram, metricId } from "./metrics";
export { HttpCallHandler, httpCall, pendingHttpCalls } from "./http-call";
export { ConfigParser, ConfigReader, JsonObjectResult, parseJsonObject, fieldPath, indexPath } from "./json/config";
export { validateJson } from "./json/validate";
export { RouteRules, RouteRule, RuleMatch, stripPort } from "./rules";
export { ForeignResult, callForeignFunction, done } from "./foreign";
