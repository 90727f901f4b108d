// Tab 1's arithmetic, as genmodels/latent.py does it: where a latent value falls on the manifold's equal-probability
// grid (the marker over the grid follows the sliders). Pure: tests/js/axis_positions.js runs it under Node.
(function (G) {
  "use strict";

  // Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; error below 2e-7)
  function normalCdf(x) {
    const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
    const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    const erf = 1 - poly * Math.exp(-x * x / 2);
    return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
  }

  // genmodels.latent.axis_position: fractional index (0 … n-1) of a latent value on the equal-probability grid
  function axisPosition(value, radius, n) {
    const lo = normalCdf(-radius);
    return Math.min(Math.max((normalCdf(value) - lo) / (1 - 2 * lo), 0), 1) * (n - 1);
  }

  G.latent = { normalCdf, axisPosition };
  if (typeof module !== "undefined" && module.exports) module.exports = G.latent;
})(globalThis.Genmodels ??= { tabs: {} });
