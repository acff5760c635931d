// A button that asks the kernel for a file when clicked and hands it to the browser, so a
// download costs nothing until someone wants it. Its words come from the kernel in the page's
// language ("label", and "preparing": a template with {label}).
export default {
  render({ model, el }) {
    const button = document.createElement("button");
    button.className = "pnen-download jupyter-button";
    button.type = "button";
    const label = () => {
      button.textContent = model.get("label");
    };
    label();
    button.addEventListener("click", () => {
      button.disabled = true;
      const preparing = model.get("preparing") || "{label}";
      button.textContent = preparing.split("{label}").join(model.get("label"));
      model.send({ kind: "build" });
    });
    const receive = (message) => {
      if (message.kind !== "file") return;
      const blob = new Blob([message.text], { type: `${model.get("mime")};charset=utf-8` });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = model.get("filename");
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      button.disabled = false;
      label();
    };
    model.on("msg:custom", receive);
    model.on("change:label", label);
    el.appendChild(button);
    return () => model.off("msg:custom", receive);
  },
};
