// A plotly figure redrawn in place; plotly.js's bundle is loaded once per page over HTTP.
const KEY = Symbol.for("pnen-explorer.plotly");
const CONFIG = { displaylogo: false };

// plotly.js once per page: the bundle sets window.Plotly, which is put back as it was (a page
// may have its own plotly.js), and every view shares the one it loaded. A locale (Chinese: its
// mode bar, month names and number formats) is loaded once too, beside the bundle, and
// registers itself with the Plotly it finds on the window while it loads.
const BUNDLE = "pnen-explorer/static/plotly-cartesian.min.js";
const LOCALES = { "zh-CN": "pnen-explorer/static/plotly-locale-zh-cn.js" };

function staticUrl(path) {
  const page = document.getElementById("jupyter-config-data");
  const config = JSON.parse(page ? page.textContent : "{}");
  const base = config.fullLabextensionsUrl || "/voila/labextensions";
  return new URL(`${base}/${path}`, document.baseURI).href;
}

async function withPlotly(Plotly, path) {
  const before = globalThis.Plotly;
  if (Plotly) globalThis.Plotly = Plotly;
  try {
    await import(staticUrl(path));
    return globalThis.Plotly;
  } finally {
    if (before === undefined) delete globalThis.Plotly;
    else globalThis.Plotly = before;
  }
}

function plotly(locale) {
  if (!globalThis[KEY]) globalThis[KEY] = { bundle: withPlotly(null, BUNDLE) };
  const loaded = globalThis[KEY];
  if (!LOCALES[locale]) return loaded.bundle;
  if (!loaded[locale]) {
    loaded[locale] = loaded.bundle.then((Plotly) => withPlotly(Plotly, LOCALES[locale]).then(() => Plotly));
  }
  return loaded[locale];
}

export default {
  async render({ model, el }) {
    el.classList.add("pnen-plot");
    let Plotly;
    try {
      Plotly = await plotly();
    } catch {
      el.textContent = model.get("failed");
      return;
    }
    // A text alternative for screen readers (the table under each plot lists what it draws),
    // and the toolbar's buttons out of the Tab order: a keyboard user reaches the controls.
    el.setAttribute("role", "figure");
    const draw = async () => {
      const figure = model.get("figure");
      if (!figure.layout) return; // nothing yet: its tab has not been opened
      el.setAttribute("aria-label", model.get("summary"));
      const locale = model.get("locale");
      await plotly(locale);
      await Plotly.react(el, figure.data || [], figure.layout, { ...CONFIG, locale });
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
