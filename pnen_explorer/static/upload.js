// A file picker that checks the file's size in the page: a file over the limit is refused here,
// in words, and never sent; an accepted file goes to the kernel as one binary message.
// Its sentences come from the kernel in the page's language (the synced "texts": templates
// with {name}, {size}, {limit} and {error}); none is written here.
const MB = 1024 * 1024;

// The template with each {key} of values put in (one pass: a file name holding "{size}" stays).
function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}

function megabytes(bytes) {
  return bytes < MB ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / MB).toFixed(1)} MB`;
}

export default {
  render({ model, el }) {
    const wrapper = document.createElement("div");
    wrapper.className = "pnen-upload";
    const input = document.createElement("input");
    input.type = "file";
    input.className = "pnen-upload-input";
    input.style.display = "none";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "pnen-upload-button jupyter-button";
    button.style.width = "auto";
    button.style.whiteSpace = "nowrap";
    const status = document.createElement("div");
    status.className = "pnen-upload-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    const sync = () => {
      button.textContent = model.get("description");
      input.accept = model.get("accept");
    };
    const say = (text, refused) => {
      status.textContent = text;
      status.className = `pnen-upload-status ${refused ? "pnen-error" : "pnen-muted"}`;
      status.setAttribute("role", refused ? "alert" : "status");
    };
    sync();

    button.addEventListener("click", () => input.click());
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      input.value = ""; // the same file can be chosen again
      if (!file) return;
      const limit = model.get("max_bytes");
      const texts = model.get("texts") || {};
      const size = megabytes(file.size);
      if (file.size > limit) {
        say(fill(texts.too_large, { name: file.name, size, limit: megabytes(limit) }), true);
        return;
      }
      button.disabled = true;
      say(fill(texts.sending, { name: file.name, size }), false);
      try {
        const buffer = await file.arrayBuffer();
        model.send({ kind: "file", name: file.name, size: file.size }, undefined, [buffer]);
      } catch (error) {
        button.disabled = false;
        say(fill((model.get("texts") || {}).unreadable, { name: file.name, error }), true);
      }
    });
    const receive = (message) => {
      if (message.kind !== "received" && message.kind !== "refused") return;
      button.disabled = false;
      say(message.text || "", message.kind === "refused");
    };
    model.on("msg:custom", receive);
    model.on("change:description", sync);
    model.on("change:accept", sync);
    wrapper.append(button, input, status);
    el.appendChild(wrapper);
    return () => model.off("msg:custom", receive);
  },
};
