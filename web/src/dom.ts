// Small DOM helpers shared by the page's modules.

/** The element with `id`; the page is broken without it. */
export function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) {
    throw new Error(`the page has no #${id}`);
  }
  return el as T;
}

/** A span of buttons, each labelled and classed by its label. */
export function actions(buttons: Array<[string, () => void]>): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = "actions";
  for (const [label, onClick] of buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = label;
    button.textContent = label;
    button.addEventListener("click", onClick);
    span.append(button);
  }
  return span;
}

/** A random 21-character id from the URL-safe alphabet (works on plain HTTP too). */
export function newId(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  return Array.from(bytes, (b) => alphabet[b & 63]).join("");
}
