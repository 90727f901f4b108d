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
