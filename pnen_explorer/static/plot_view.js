// A plotly figure redrawn in place; plotly.js's bundle is loaded once per page over HTTP.
const KEY = Symbol.for("pnen-explorer.plotly");
const CONFIG = { displaylogo: false };

// plotly.js once per page: the bundle sets window.Plotly, which is put back as it was (a page
// may have its own plotly.js), and every view shares the one it loaded.
function plotly() {
  if (!globalThis[KEY]) {
    const page = document.getElementById("jupyter-config-data");
    const config = JSON.parse(page ? page.textContent : "{}");
    const base = config.fullLabextensionsUrl || "/voila/labextensions";
    const url = new URL(`${base}/pnen-explorer/static/plotly-cartesian.min.js`, document.baseURI).href;
    const before = globalThis.Plotly;
    globalThis[KEY] = import(url).then(() => {
      const Plotly = globalThis.Plotly;
      if (before === undefined) delete globalThis.Plotly;
      else globalThis.Plotly = before;
      return Plotly;
    });
  }
  return globalThis[KEY];
}

export default {
  async render({ model, el }) {
    el.classList.add("pnen-plot");
    let Plotly;
    try {
      Plotly = await plotly();
    } catch {
      el.textContent = "The plotting library did not load; please reload the page.";
      return;
    }
    // A text alternative for screen readers (the table under each plot lists what it draws),
    // and the toolbar's buttons out of the Tab order: a keyboard user reaches the controls.
    el.setAttribute("role", "figure");
    const draw = async () => {
      const figure = model.get("figure");
      if (!figure.layout) return; // nothing yet: its tab has not been opened
      el.setAttribute("aria-label", model.get("summary"));
      await Plotly.react(el, figure.data || [], figure.layout, CONFIG);
      for (const button of el.querySelectorAll(".modebar-btn")) button.tabIndex = -1;
    };
    await draw();
    model.on("change:figure", draw);
    // A figure drawn in a hidden tab gets plotly's default width: fit it to the page once
    // shown, and again whenever the page's width changes.
    const fit = new ResizeObserver(() => {
      const width = el.clientWidth;
      if (width > 0 && el._fullLayout && Math.abs(el._fullLayout.width - width) > 1) {
        Plotly.relayout(el, { width });
      }
    });
    fit.observe(el);
    return () => {
      fit.disconnect();
      model.off("change:figure", draw);
      Plotly.purge(el);
    };
  },
};
