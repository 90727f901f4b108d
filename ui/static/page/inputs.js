// Page-wide behaviour that Gradio's components have no option for; loaded in the page's <head> (ui/common.py).
(() => {
  // A digit sketchpad is ready to draw on: Gradio's Sketchpad starts with no tool selected ("select the draw
  // tool to start"), so a visitor's first stroke would only select text. Pick its brush once, when it appears.
  const armed = new WeakSet();
  function armSketchpads() {
    for (const pad of document.querySelectorAll(".digit-sketch")) {
      const brush = pad.querySelector("button[aria-label=Brush]");
      if (!brush || armed.has(pad)) continue;
      armed.add(pad);
      brush.click();
    }
  }
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; armSketchpads(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

(() => {
  // A number typed into a box outside its range, not a number, or a fraction where only whole numbers make sense is
  // put right in the box itself, with a note under it saying why, before Gradio sends it: so the bad value never
  // sticks in the box and fails every later event (Gradio's own check would refuse it on each one, and a slider's
  // box would send it twice, on change and on blur). Too large is fixed as it is typed when the range starts at 0
  // or above (more digits only make it larger: "How many" 10000 says so at once); too small, empty or a fraction
  // waits until the box is left or Enter is pressed, since "1" is on the way to "128". The server checks the same
  // ranges for API callers (genmodels/checks.py). Boxes inside an .own-range block (tab 1's sliders) handle their
  // range themselves; an empty box is put back here for them too.
  const lastGood = new WeakMap();

  function guarded(target) {
    return target instanceof HTMLInputElement && target.type === "number" && target.max !== "" &&
      target.min !== "";
  }

  function labelOf(box) {
    const label = (box.getAttribute("aria-label") || "This box").replace(/^number input for /, "");
    return label.split(/[:(]/)[0].trim();
  }

  function note(box, text) {
    const block = box.closest(".block") || box.parentElement;
    let div = block.querySelector(":scope > .range-note, .range-note");
    if (!div) {
      div = document.createElement("div");
      div.className = "range-note";
      div.setAttribute("role", "status");
      block.appendChild(div);
    }
    div.textContent = text;
    clearTimeout(div.hideTimer);
    div.hideTimer = setTimeout(() => div.remove(), 8000);
  }

  function set(box, value, why) {
    note(box, `${labelOf(box)}: ${why}, set to ${value}.`);
    box.value = String(value);
  }

  // while typing: a half-typed number ("1e", "-") is kept from Gradio, which would send it as nothing, and so is
  // one below the range (Gradio would refuse it with its own error); "too large" is fixed at once (the real input
  // event then carries the fixed value to Gradio)
  document.addEventListener("input", (e) => {
    const box = e.target;
    if (!guarded(box) || e.isTrusted === false) return;
    if (box.value === "") { e.stopImmediatePropagation(); return; }
    const v = Number(box.value), min = Number(box.min), max = Number(box.max);
    if (!Number.isFinite(v) || box.closest(".own-range")) return;
    if (v > max && min >= 0) set(box, max, `the most is ${max}`);
    else if (v < min) e.stopImmediatePropagation();     // "-3", or "1" on its way to "128": fixed on leaving the box
  }, true);

  // on leaving the box or Enter: everything else
  document.addEventListener("focusin", (e) => {
    if (guarded(e.target)) lastGood.set(e.target, e.target.value);
  }, true);
  document.addEventListener("change", (e) => {
    const box = e.target;
    if (!guarded(box)) return;
    const raw = box.value, v = Number(raw), min = Number(box.min), max = Number(box.max);
    const whole = Number(box.step) === 1;
    if (raw === "" || !Number.isFinite(v)) {
      const back = lastGood.get(box) || box.min;
      set(box, back, `that is not a number (${min} to ${max})`);
    } else if (box.closest(".own-range")) {
      lastGood.set(box, raw);
      return;
    } else if (v < min) {
      set(box, min, `${raw} is less than ${min}`);
    } else if (v > max) {
      set(box, max, `${raw} is more than ${max}`);
    } else if (whole && !Number.isInteger(v)) {
      set(box, Math.round(v), `${raw} is not a whole number`);
    } else {
      lastGood.set(box, raw);
      return;
    }
    lastGood.set(box, box.value);
    box.dispatchEvent(new Event("input", { bubbles: true }));     // Gradio's binding reads the fixed value
  }, true);

  // Enter in a slider's box applies the value now (Gradio's slider releases only on blur)
  document.addEventListener("keydown", (e) => {
    const box = e.target;
    if (e.key === "Enter" && box instanceof HTMLInputElement && box.dataset.testid === "number-input") box.blur();
  }, true);
})();
