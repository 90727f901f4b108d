// Pictures as genmodels/imaging.py draws them: a grid of images with white gaps (grid_pil), and grey levels as RGBA
// for a canvas. Pure (no DOM): tests/js/unit/ runs it under Node.
(function (G) {
  "use strict";

  // genmodels.imaging.grid_pil(images, nrow, padding, pad_value=1) for 8-bit grey images: row-major cells with white
  // gaps. grids: {shape: [frames, count, h, w], data}; frame: which of the frames (0-based).
  function gridPixels(grids, frame, nrow = 8, pad = 2) {
    const [, count, h, w] = grids.shape, rows = Math.ceil(count / nrow);
    const width = nrow * (w + pad) + pad, height = rows * (h + pad) + pad;
    const out = new Uint8ClampedArray(width * height).fill(255), base = frame * count * h * w;
    for (let n = 0; n < count; n++) {
      const top = Math.floor(n / nrow) * (h + pad) + pad, left = (n % nrow) * (w + pad) + pad;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[(top + y) * width + left + x] = grids.data[base + (n * h + y) * w + x];
      }
    }
    return { pixels: out, width, height };
  }

  // 8-bit grey levels as the RGBA bytes of an ImageData (opaque)
  function greyToRgba(grey, rgba = new Uint8ClampedArray(4 * grey.length)) {
    for (let i = 0; i < grey.length; i++) {
      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = grey[i];
      rgba[4 * i + 3] = 255;
    }
    return rgba;
  }

  G.imaging = { gridPixels, greyToRgba };
  if (typeof module !== "undefined" && module.exports) module.exports = G.imaging;
})(globalThis.Genmodels ??= { tabs: {} });
