// The current room's messages: the list (edit and delete where the rules allow), the
// composer, and keeping the newest message in sight.

import { actions, element, newId } from "./dom";
import type { Message } from "./mutators";
import type { ChatState } from "./state";

/**
 * May the page edit or delete this message? With a login: the author edits; the author
 * or the room's owner deletes (the server's rules). Without one everyone is the same
 * user, so, as in the tutorial, a message is "mine" when its display name is mine.
 */
function permissions(state: ChatState, message: Message): { edit: boolean; remove: boolean } {
  if (state.session === null) {
    const mine = message.from === state.name() && state.name() !== "";
    return { edit: mine, remove: mine };
  }
  const room = state.rooms.find(([id]) => id === message.roomID)?.[1];
  const author = message.author === state.user;
  return { edit: author, remove: author || room?.owner === state.user };
}

function renderItem(state: ChatState, li: HTMLLIElement, id: string, message: Message) {
  const allowed = permissions(state, message);
  li.dataset.id = id;
  li.classList.toggle("mine", allowed.edit);
  li.replaceChildren();
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = `${message.from}:`;
  if (state.session !== null && message.author !== "" && message.author !== message.from) {
    from.title = `posted by ${message.author}`;
    from.textContent = `${message.from} (${message.author}):`;
  }
  li.append(from);
  if (state.editing?.id === id) {
    li.append(state.editing.input);
    li.append(actions([["save", () => saveEdit(state)], ["cancel", () => cancelEdit(state)]]));
    return;
  }
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = message.content;
  li.append(content);
  const buttons: Array<[string, () => void]> = [];
  if (allowed.edit) {
    buttons.push(["edit", () => startEdit(state, id, message.content)]);
  }
  if (allowed.remove) {
    buttons.push(["delete", () => void state.rep.mutate.deleteMessage({ id })]);
  }
  if (buttons.length > 0) {
    li.append(actions(buttons));
  }
}

/** Renders the current room's messages, reusing the list's items. */
export function renderMessages(state: ChatState) {
  const list = element<HTMLUListElement>("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) {
    existing.set(li.dataset.id ?? "", li);
  }
  const items = state.messages.map(([id, message]) => {
    const li = existing.get(id) ?? document.createElement("li");
    existing.delete(id);
    renderItem(state, li, id, message);
    return li;
  });
  list.replaceChildren(...items);
  element<HTMLParagraphElement>("empty").hidden = state.messages.length > 0;
  if (state.editing !== null && !state.messages.some(([id]) => id === state.editing?.id)) {
    state.editing = null; // deleted elsewhere while being edited
  }
  if (state.editing !== null && document.activeElement !== state.editing.input) {
    state.editing.input.focus();
  }
  if (atBottom) {
    list.scrollTop = list.scrollHeight;
  }
}

function startEdit(state: ChatState, id: string, content: string) {
  const input = document.createElement("input");
  input.className = "edit-input";
  input.value = content;
  input.maxLength = 10000;
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      saveEdit(state);
    } else if (event.key === "Escape") {
      cancelEdit(state);
    }
  });
  state.editing = { id, input };
  renderMessages(state);
}

function saveEdit(state: ChatState) {
  if (state.editing === null) {
    return;
  }
  const { id, input } = state.editing;
  state.editing = null;
  void state.rep.mutate.updateMessage({ id, content: input.value });
  renderMessages(state);
}

function cancelEdit(state: ChatState) {
  state.editing = null;
  renderMessages(state);
}

/** Sends the composer's message to the current room. */
export function wireComposer(state: ChatState) {
  const form = element<HTMLFormElement>("composer");
  const nameInput = element<HTMLInputElement>("name");
  const contentInput = element<HTMLInputElement>("content");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = state.name();
    const content = contentInput.value;
    if (from === "") {
      nameInput.focus();
      return;
    }
    if (content.trim() === "") {
      contentInput.focus();
      return;
    }
    const last = state.messages.length > 0 ? state.messages[state.messages.length - 1][1].order : 0;
    const message = { id: newId(), from, content, order: last + 1, roomID: state.current };
    void state.rep.mutate.createMessage(message);
    contentInput.value = "";
    contentInput.focus();
    const list = element<HTMLUListElement>("messages");
    list.scrollTop = list.scrollHeight;
  });
}
