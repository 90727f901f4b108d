// What every live tab repeats, once: its state (the element and props Gradio gives it, the latest settings, the
// models it loads, what failed), drawing once per animation frame for the latest settings, the server fallback
// (one request in flight, the latest settings win), ?decoder=server in the address (to try and measure that
// fallback), the note under its images, and the statistics the tests and benches read. A tab's own file
// (tabs/<stem>.js) keeps only its drawing: it calls Genmodels.page.tab(name, hooks) once and gets its controller,
// Genmodels.tabs[name]. Gradio calls attach(element, props) (the tab's gr.HTML js_on_load), open(...settings) when
// the tab is shown, and show(...settings) on every change (the tab's js= events): settings that come before the
// models or the element wait for them.
(function (G) {
  "use strict";
  const LOG = 5000, TIMES = 1000;

  // fn, called at most once per animation frame however often the returned function is (every slider move calls it)
  function perFrame(fn) {
    let requested = false;
    return () => {
      if (requested) return;
      requested = true;
      requestAnimationFrame(() => { requested = false; fn(); });
    };
  }

  // ?decoder=server in the address: the tabs use the server's endpoints, as when their models cannot load
  function serverForced() {
    return typeof location !== "undefined" && new URLSearchParams(location.search).get("decoder") === "server";
  }

  // fn(args) for the latest args only, one call in flight at a time: the tabs' server fallback, where a slider that
  // moves while a request is on its way sends the newest settings when it returns, not every one in between. fn
  // reports its own errors.
  function latestOnly(fn) {
    let pending = null, busy = false;
    return async (args) => {
      pending = args;
      if (busy) return;
      busy = true;
      try {
        while (pending !== null) {
          const next = pending;
          pending = null;
          await fn(next);
        }
      } finally { busy = false; }
    };
  }


  function capped(list, value, most) {
    list.push(value);
    if (list.length > most) list.shift();
  }

  // hooks: draw(current) draws the latest settings; note: the CSS selector of the tab's notes; lazy: wait for open()
  // (its models load when the tab is first shown); settle(...args): the settings kept from show's arguments
  // (default: the arguments); attached(element, props): after attach, before the first drawing.
  function tab(name, hooks) {
    const state = {
      element: null, props: null, opened: !hooks.lazy, current: null, models: {}, failed: {}, forced: null,
      stats: { draws: 0, firstDrawAt: null, lastDrawAt: null, log: [], ms: [], serverCalls: 0, loadMs: {},
               attachedAt: null, openedAt: null },
    };
    const promises = {};

    function keep(settings) {
      state.current = hooks.settle ? hooks.settle(...settings) : settings;
    }

    function redraw() {
      if (state.element && state.opened && state.current) hooks.draw(state.current);
    }

    const controller = {
      name, state, stats: state.stats, redraw, redrawSoon: perFrame(redraw),

      show(...settings) {
        keep(settings);
        controller.redrawSoon();
      },

      open(...settings) {
        if (state.opened) {
          if (settings.length) controller.show(...settings);
          return;
        }
        if (settings.length) keep(settings);
        state.opened = true;
        state.stats.openedAt = performance.now();
        redraw();
      },

      attach(element, props) {
        state.element = element;
        state.props = props;
        state.stats.attachedAt = performance.now();
        if (serverForced()) state.forced = "?decoder=server in the address";
        if (hooks.attached) hooks.attached(element, props);
        redraw();
      },

      // why the models under `key` cannot be used (null: they can), or, with no key, why any of them cannot
      failure(key) {
        if (state.forced) return state.forced;
        if (key !== undefined) return state.failed[key] || null;
        return Object.values(state.failed)[0] || null;
      },

      // the file at url, read by parse, under `key`: a promise (loaded once; the tab redraws when it arrives)
      loading(key, url, parse) {
        if (!promises[key]) {
          const started = performance.now();
          promises[key] = G.nn.fetchTensors(url).then((file) => {
            state.stats.loadMs[key] = performance.now() - started;
            state.models[key] = parse(file);
            redraw();
            return state.models[key];
          }, (err) => {
            state.failed[key] = err.message;
            redraw();
            throw err;
          });
          promises[key].catch(() => {});                     // reported through failure(key)
        }
        return promises[key];
      },

      // the model under `key` if it is loaded, else null (and it starts loading)
      model(key, url, parse) {
        if (!state.models[key] && !controller.failure(key)) controller.loading(key, url, parse);
        return state.models[key] || null;
      },

      note(text) {
        for (const box of document.querySelectorAll(hooks.note)) box.textContent = text;
      },

      // one drawing: `entry` goes to the log (with the time first), ms (if given) to the compute times
      record(entry, ms) {
        const now = performance.now(), stats = state.stats;
        stats.draws += 1;
        stats.lastDrawAt = now;
        if (stats.firstDrawAt === null) stats.firstDrawAt = now;
        capped(stats.log, [now, ...entry], LOG);
        if (ms !== undefined) capped(stats.ms, ms, TIMES);
      },

      // fn(settings) through the server: one request in flight, the latest settings win; a failure is noted
      fromServer(fn, endpoint) {
        return latestOnly(async (settings) => {
          try {
            await fn(settings);
          } catch (err) {
            controller.note(`The server's ${endpoint} failed too: ${err.message}`);
          }
        });
      },
    };
    G.tabs[name] = controller;
    return controller;
  }

  G.page = { ...G.page, tab, perFrame, latestOnly, serverForced };
})(globalThis.Genmodels ??= { tabs: {} });
