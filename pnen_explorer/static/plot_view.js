// A plotly figure redrawn in place, or a deck of figures (one per option of a dropdown) of which
// the chosen one is shown; plotly.js's bundle is loaded once per page over HTTP.
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

const OFFSCREEN = "position: absolute; left: 0; top: 0; width: 100%; visibility: hidden;";
const QUIET = 200; // ms without a change before figures are drawn ahead
const later = globalThis.requestIdleCallback ?? ((job) => setTimeout(job, 50));

export default {
  async render({ model, el, host }) {
    el.classList.add("pnen-plot");
    el.style.position = "relative"; // figures are drawn unseen on top of the one shown
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
    const ref = model.get("chooser");
    // ipywidgets serialises the chooser as "IPY_MODEL_<id>"; anywidget's host names it "anywidget:<id>"
    const chooser = ref ? await host.getModel(ref.replace(/^IPY_MODEL_/, "anywidget:")) : null;
    const chosen = () => (chooser ? (chooser.get("index") ?? 0) : 0);
    // A figure drawn while hidden gets plotly's default width: fit it to the page once shown,
    // and again whenever the page's width changes.
    const fit = new ResizeObserver((entries) => {
      for (const { target } of entries) {
        const width = target.clientWidth;
        if (width > 0 && target._fullLayout && Math.abs(target._fullLayout.width - width) > 1) {
          Plotly.relayout(target, { width });
        }
      }
    });
    const slots = []; // one <div> per figure, and the generation of the figure it holds
    const slot = (i) => {
      while (slots.length <= i) {
        const div = document.createElement("div");
        div.style.display = "none";
        el.append(div);
        fit.observe(div);
        slots.push({ div, drawn: 0 });
      }
      return slots[i];
    };
    let shown = -1;

    // Figure i into its slot: in place if it is the one shown, else unseen at the page's width
    // (the figure shown stays until the new one is ready). False if it is not built yet.
    const paint = async (i) => {
      const figure = model.get("figures")[i];
      if (!figure?.layout) return false;
      const { div } = slot(i);
      const generation = model.get("generation");
      const locale = model.get("locale");
      await plotly(locale);
      if (i !== shown) div.style.cssText = OFFSCREEN;
      await Plotly.react(div, figure.data || [], figure.layout, { ...CONFIG, locale });
      if (i !== shown) div.style.cssText = "display: none;";
      for (const button of div.querySelectorAll(".modebar-btn")) button.tabIndex = -1;
      slots[i].drawn = generation;
      return true;
    };
    // Show slot i alone; it comes first in the page, where a reader (or a test) looks.
    const reveal = (i) => {
      for (const [j, { div }] of slots.entries()) div.style.cssText = j === i ? "" : "display: none;";
      if (el.firstChild !== slots[i].div) el.prepend(slots[i].div);
      el.setAttribute("aria-label", model.get("summaries")[i] ?? "");
      shown = i;
    };
    // What the kernel has not built yet is asked for once per generation, as soon as the chosen
    // figure is painted: switching to it then needs no round trip. The others are drawn ahead
    // after QUIET ms without a change, one per idle moment (a change that comes during one
    // waits for that one drawing); a switch to one not drawn yet draws it from memory.
    let asked = 0;
    let quiet = null;
    let changed = 0;
    const rest = () => {
      changed = performance.now();
      const generation = model.get("generation");
      if (chooser && asked !== generation && model.get("figures").some((f) => !f.layout)) {
        asked = generation;
        model.send({ want: "all", generation });
      }
      clearTimeout(quiet);
      quiet = setTimeout(() => later(drawAhead), QUIET);
    };
    // The options beside the chosen one first: the arrow keys reach them next.
    const distance = (j) => Math.abs(j - chosen()) * 2 + (j < chosen() ? 1 : 0);
    const drawAhead = async () => {
      if (performance.now() - changed < QUIET) return; // a change came: it set a new timer
      const generation = model.get("generation");
      const figures = model.get("figures");
      const order = figures.map((_f, j) => j).sort((a, b) => distance(a) - distance(b));
      const next = order.find((j) => figures[j].layout && slot(j).drawn !== generation);
      if (next === undefined) return;
      await queue(() => paint(next));
      quiet = setTimeout(() => later(drawAhead), 0);
    };
    const update = async () => {
      const i = chosen();
      if (slot(i).drawn !== model.get("generation") && !(await paint(i))) return;
      reveal(i);
      rest();
    };
    // One drawing at a time, in the order asked.
    let busy = Promise.resolve();
    const queue = (job) => (busy = busy.then(job, job));
    await queue(update);
    const redraw = () => queue(update);
    model.on("change:figures", redraw);
    chooser?.on("change:index", redraw);
    return () => {
      fit.disconnect();
      model.off("change:figures", redraw);
      chooser?.off("change:index", redraw);
      for (const { div } of slots) Plotly.purge(div);
    };
  },
};
