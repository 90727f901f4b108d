// Unit tests of the page glue (ui/static/page/) with the browser's few globals stood in for:
// node --test tests/js/unit/ (npm test).
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");

const stat = path.join(__dirname, "..", "..", "..", "ui", "static");
globalThis.requestAnimationFrame = (fn) => setTimeout(fn, 0);
globalThis.document = { querySelectorAll: () => [] };
require(path.join(stat, "core", "nn.js"));
require(path.join(stat, "page", "gradio.js"));
require(path.join(stat, "page", "controller.js"));
const G = globalThis.Genmodels;
const frame = () => new Promise((done) => setTimeout(done, 5));

test("the server's captions become HTML with everything but bold and paragraphs escaped", () => {
  assert.equal(G.page.markdownHtml("**FID 27.7** <b>&\"\n\nnext"),
               "<strong>FID 27.7</strong> &lt;b&gt;&amp;&quot;<br><br>next");
});

test("Start takes the next run number and Stop names the current one; a pause waits", async () => {
  const first = G.page.nextRun();
  assert.equal(G.page.thisRun(), first);
  assert.equal(G.page.nextRun(), first + 1);
  const started = Date.now();
  await G.page.pause(30);
  assert.ok(Date.now() - started >= 25);
});

test("the server fallback keeps one request in flight and sends only the latest settings after it", async () => {
  const sent = [];
  let release;
  const call = G.page.latestOnly(async (v) => { sent.push(v); await new Promise((done) => { release = done; }); });
  call(1);
  call(2);
  call(3);
  call(4);
  assert.deepEqual(sent, [1]);
  release();
  await frame();
  assert.deepEqual(sent, [1, 4]);
  release();
});

test("draws once per frame, for the latest settings", async () => {
  let calls = 0;
  const soon = G.page.perFrame(() => { calls += 1; });
  soon(); soon(); soon();
  await frame();
  assert.equal(calls, 1);
});

test("a tab draws settings that came before it was attached and opened, once both happen", async () => {
  const drawn = [];
  const tab = G.page.tab("unit-lazy", { lazy: true, note: ".x", draw: (s) => drawn.push(s),
                                        settle: (a, b) => [a, b * 2] });
  assert.equal(G.tabs["unit-lazy"], tab);
  tab.show("mnist", 1);
  await frame();
  assert.deepEqual(drawn, []);                                   // no element yet
  tab.attach({}, { some: "props" });
  assert.deepEqual(drawn, []);                                   // not opened yet
  tab.open("mnist", 3);
  assert.deepEqual(drawn, [["mnist", 6]]);                        // drawn at once, once
  assert.ok(tab.stats.openedAt > 0);
  await frame();
  assert.equal(drawn.length, 1);
  tab.open("fashion", 4);                                        // shown again with other settings: redrawn
  await frame();
  assert.deepEqual(drawn.at(-1), ["fashion", 8]);
});

test("a model loads once, the tab redraws when it arrives, and a failed load is the tab's reason to ask the server",
     async () => {
  const drawn = [];
  const tab = G.page.tab("unit-models", { note: ".x", draw: (s) => drawn.push(s) });
  let fetches = 0;
  globalThis.fetch = async (url) => {
    fetches += 1;
    if (url === "missing") return { ok: false, status: 404 };
    const header = new TextEncoder().encode("{}");
    const body = new Uint8Array(8 + header.length);
    new DataView(body.buffer).setBigUint64(0, BigInt(header.length), true);
    body.set(header, 8);
    return { ok: true, arrayBuffer: async () => body.buffer };
  };
  tab.attach({}, {});
  tab.show("a");
  await frame();
  assert.equal(tab.model("m", "url", () => "parsed"), null);     // on its way
  assert.equal(tab.model("m", "url", () => "parsed"), null);
  await frame();
  assert.equal(tab.model("m", "url", () => "parsed"), "parsed");
  assert.equal(fetches, 1);
  assert.ok(drawn.length >= 2);                                  // the show, then the model's arrival
  assert.equal(tab.failure("m"), null);
  await assert.rejects(tab.loading("gone", "missing", () => "x"), /missing: HTTP 404/);
  assert.equal(tab.failure("gone"), "missing: HTTP 404");
  assert.equal(tab.failure(), "missing: HTTP 404");
  assert.equal(tab.model("gone", "missing", () => "x"), null);
  assert.equal(fetches, 2);                                      // a failed model is not fetched again
});

test("a drawing is counted and logged, the log capped", () => {
  const tab = G.page.tab("unit-record", { note: ".x", draw: () => {} });
  for (let i = 0; i < 5005; i++) tab.record([i, "browser"], 1.5);
  assert.equal(tab.stats.draws, 5005);
  assert.equal(tab.stats.log.length, 5000);
  assert.deepEqual(tab.stats.log.at(-1).slice(1), [5004, "browser"]);
  assert.equal(tab.stats.ms.length, 1000);
  assert.ok(tab.stats.firstDrawAt <= tab.stats.lastDrawAt);
});
