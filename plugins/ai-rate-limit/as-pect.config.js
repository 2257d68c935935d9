// Runs only this plugin's specs (faster than the repo-wide `make test-as`):
//   npx asp --config plugins/ai-rate-limit/as-pect.config.js
export default {
  entries: ["plugins/ai-rate-limit/**/__tests__/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
