// A button that asks the kernel for a file when clicked and hands it to the browser, so a
// download costs nothing until someone wants it.
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
      button.textContent = `${model.get("label")} (preparing…)`;
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
