// ESLint for the page code (ui/static/) and its Node harnesses (tests/js/): npm run lint.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  { ignores: ["node_modules/", "bench/out/", "ui/static/vendor/"] },
  js.configs.recommended,
  {
    files: ["ui/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      // the page's files are plain scripts in one namespace (window.Genmodels); `module` is there only under Node
      globals: { ...globals.browser, module: "readonly", Genmodels: "writable" },
    },
    rules: {
      "max-len": ["error", { code: 120, ignoreUrls: true }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    files: ["ui/static/page/train_worker.js"],          // a Web Worker's script
    languageOptions: { globals: { ...globals.worker } },
  },
  {
    files: ["tests/js/**/*.js", "bench/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
    rules: { "max-len": ["error", { code: 120 }] },
  },
];
