// The chat page: Replicache in the browser, the message list, the composer, and the
// online/pending indicators.

import { Replicache } from "replicache";
import { listMessages, mutators, type Message, type Mutators } from "./mutators";
import { subscribeToPokes } from "./poke";

const NAME_KEY = "replichat.name";

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) {
    throw new Error(`the page has no #${id}`);
  }
  return el as T;
}

/** A random 21-character id from the URL-safe alphabet (works on plain HTTP too). */
function newId(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  return Array.from(bytes, (b) => alphabet[b & 63]).join("");
}

const rep = new Replicache<Mutators>({
  name: "replichat",
  pushURL: "/api/replicache-push",
  pullURL: "/api/replicache-pull",
  mutators,
  logLevel: "error",
});

const list = element<HTMLUListElement>("messages");
const form = element<HTMLFormElement>("composer");
const nameInput = element<HTMLInputElement>("name");
const contentInput = element<HTMLInputElement>("content");
const connection = element<HTMLSpanElement>("connection");
const pending = element<HTMLSpanElement>("pending");

nameInput.value = localStorage.getItem(NAME_KEY) ?? "";

// ---- state shown on the page ----

let messages: Array<[string, Message]> = [];
let editing: { id: string; input: HTMLInputElement } | null = null;
let streamOpen = false;

function myName(): string {
  return nameInput.value.trim();
}

// ---- indicators ----

function renderConnection() {
  const online = navigator.onLine && rep.online && streamOpen;
  connection.dataset.state = online ? "online" : "offline";
  connection.textContent = online ? "online" : "offline";
}

// experimentalPendingMutations() does not wait for Replicache to open (a query does),
// and its answers must be shown in order: one chain, started once the cache is ready.
let pendingQuery: Promise<void> = rep.query(() => undefined);
function refreshPending() {
  pendingQuery = pendingQuery
    .then(async () => {
      if (rep.closed) {
        return;
      }
      const count = (await rep.experimentalPendingMutations()).length;
      pending.dataset.count = String(count);
      pending.textContent = `${count} pending`;
    })
    .catch((error: unknown) => console.warn("cannot count pending mutations", error));
}

// ---- message list ----

function renderItem(li: HTMLLIElement, id: string, message: Message) {
  const mine = message.from === myName() && myName() !== "";
  li.dataset.id = id;
  li.classList.toggle("mine", mine);
  li.replaceChildren();

  const from = document.createElement("span");
  from.className = "from";
  from.textContent = `${message.from}:`;
  li.append(from);

  if (editing?.id === id) {
    li.append(editing.input);
    li.append(actions([["save", () => saveEdit()], ["cancel", () => cancelEdit()]]));
    return;
  }

  const content = document.createElement("span");
  content.className = "content";
  content.textContent = message.content;
  li.append(content);
  if (mine) {
    li.append(
      actions([
        ["edit", () => startEdit(id, message.content)],
        ["delete", () => void rep.mutate.deleteMessage({ id })],
      ]),
    );
  }
}

function actions(buttons: Array<[string, () => void]>): HTMLSpanElement {
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

function renderList() {
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) {
    existing.set(li.dataset.id ?? "", li);
  }
  const items = messages.map(([id, message]) => {
    const li = existing.get(id) ?? document.createElement("li");
    existing.delete(id);
    renderItem(li, id, message);
    return li;
  });
  list.replaceChildren(...items);
  if (editing !== null && !messages.some(([id]) => id === editing?.id)) {
    editing = null; // deleted elsewhere while being edited
  }
  const active = document.activeElement;
  if (editing !== null && active !== editing.input) {
    editing.input.focus();
  }
}

// ---- editing ----

function startEdit(id: string, content: string) {
  const input = document.createElement("input");
  input.className = "edit-input";
  input.value = content;
  input.maxLength = 10000;
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      saveEdit();
    } else if (event.key === "Escape") {
      cancelEdit();
    }
  });
  editing = { id, input };
  renderList();
}

function saveEdit() {
  if (editing === null) {
    return;
  }
  const { id, input } = editing;
  editing = null;
  void rep.mutate.updateMessage({ id, content: input.value });
  renderList();
}

function cancelEdit() {
  editing = null;
  renderList();
}

// ---- composer ----

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const from = myName();
  const content = contentInput.value;
  if (from === "") {
    nameInput.focus();
    return;
  }
  if (content.trim() === "") {
    contentInput.focus();
    return;
  }
  const last = messages.length > 0 ? messages[messages.length - 1][1].order : 0;
  void rep.mutate.createMessage({ id: newId(), from, content, order: last + 1 });
  contentInput.value = "";
  contentInput.focus();
});

nameInput.addEventListener("input", () => {
  localStorage.setItem(NAME_KEY, myName());
  renderList();
});

// ---- wiring ----

rep.subscribe(listMessages, {
  onData(next) {
    messages = next;
    renderList();
    refreshPending();
  },
});

rep.onOnlineChange = () => renderConnection();
rep.onSync = (syncing) => {
  if (!syncing) {
    refreshPending();
  }
};

const syncNow = () => {
  void rep.push({ now: true });
  void rep.pull({ now: true });
};
window.addEventListener("online", () => {
  renderConnection();
  syncNow();
});
window.addEventListener("offline", () => renderConnection());

void rep.clientGroupID.then((clientGroupID) => {
  subscribeToPokes(`/api/replicache-poke?clientGroupID=${encodeURIComponent(clientGroupID)}`, {
    pull: () => void rep.pull(),
    connected: (open) => {
      streamOpen = open;
      renderConnection();
    },
  });
});

renderConnection();
refreshPending();
