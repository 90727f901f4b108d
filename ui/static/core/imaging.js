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

  // a value in [0, 1] as the server's 8-bit grey level (genmodels.imaging.to_pil: float32 x·255 + 0.5, truncated)
  const greyLevel = (x) => Math.floor(Math.fround(Math.fround(Math.min(Math.max(x, 0), 1) * 255) + 0.5));

  // Images in [0, 1] (count × side × side, row-major) as one grid's RGBA bytes, `across` a row with `pad` white pixels
  // around each: grid_pil's picture (gridPixels's layout, the server's grey levels)
  function gridRgba(images, side, across, pad) {
    const grey = Uint8ClampedArray.from(images, greyLevel), count = images.length / (side * side);
    const { pixels, width, height } = gridPixels({ shape: [1, count, side, side], data: grey }, 0, across, pad);
    return { rgba: greyToRgba(pixels), width, height };
  }

  G.imaging = { gridPixels, greyToRgba, gridRgba };
  if (typeof module !== "undefined" && module.exports) module.exports = G.imaging;
})(globalThis.Genmodels ??= { tabs: {} });
