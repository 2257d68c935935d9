// One tick timer per root context (Envoy Wasm::setTickPeriod / tickHandler): setting a period
// (re)arms the timer, the first tick comes one period later, each tick is re-armed after
// proxy_on_tick returns with the period current at that moment; 0 disables.

import type { RootContext } from "./context.ts";

export function setTickPeriod(root: RootContext, periodMs: number): void {
  const clock = root.vm.clock;
  if (root.tickTimer !== null) clock.clearTimeout(root.tickTimer);
  root.tickTimer = null;
  root.tickPeriodMs = periodMs;
  if (periodMs > 0) arm(root);
}

function arm(root: RootContext): void {
  const vm = root.vm;
  root.tickTimer = vm.clock.setTimeout(() => {
    root.tickTimer = null;
    vm.env.dispatcher.event(() => tick(root));
  }, root.tickPeriodMs);
}

function tick(root: RootContext): void {
  const vm = root.vm;
  vm.call(root, vm.exports.proxy_on_tick, root.id);
  if (root.tickPeriodMs > 0) {
    if (root.tickTimer !== null) vm.clock.clearTimeout(root.tickTimer);
    arm(root);
  }
}
