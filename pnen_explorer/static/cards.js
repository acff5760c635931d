// Therapy cards: escaped HTML built in the kernel, each with a button that asks the kernel to
// open the Evidence tab filtered to the card's rows. One widget for all cards: every widget
// model costs the page a round trip when it opens.
export default {
  render({ model, el }) {
    el.classList.add("pnen-cards");
    const draw = () => {
      const nodes = model.get("items").map((item) => {
        const box = document.createElement("div");
        box.innerHTML = item.html; // built and escaped by pnen_explorer.views.cards
        if (item.kind !== "card") return box;
        box.className = `pnen-card pnen-card-${item.slug}${item.moved ? " pnen-card-moved" : ""}`;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "pnen-card-link jupyter-button";
        button.textContent = item.label;
        button.disabled = item.disabled;
        button.addEventListener("click", () => model.send({ kind: "open", therapy: item.therapy }));
        box.appendChild(button);
        return box;
      });
      el.replaceChildren(...nodes);
    };
    draw();
    model.on("change:items", draw);
    return () => model.off("change:items", draw);
  },
};
