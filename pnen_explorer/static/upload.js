// A file picker that checks the file's size in the page: a file over the limit is refused here,
// in words, and never sent; an accepted file goes to the kernel as one binary message.
const MB = 1024 * 1024;

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
      if (file.size > limit) {
        say(
          `${file.name}: the file is ${megabytes(file.size)}; files of at most ` +
            `${megabytes(limit)} are accepted. Nothing was sent and nothing was added.`,
          true,
        );
        return;
      }
      button.disabled = true;
      say(`Sending ${file.name} (${megabytes(file.size)})…`, false);
      try {
        const buffer = await file.arrayBuffer();
        model.send({ kind: "file", name: file.name, size: file.size }, undefined, [buffer]);
      } catch (error) {
        button.disabled = false;
        say(`${file.name} could not be read by the browser: ${error}`, true);
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
