// The rooms: the list (public and private, the current one marked), creating a room,
// the current room's header (leave, delete) and its members (invite).

import { element, newId } from "./dom";
import { GENERAL } from "./mutators";
import type { ChatState } from "./state";

/** Wires the room forms and buttons to their mutators. */
export function wireRooms(state: ChatState) {
  const create = element<HTMLFormElement>("new-room");
  const nameInput = element<HTMLInputElement>("room-name");
  const visibility = element<HTMLSelectElement>("room-visibility");
  create.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (name === "") {
      nameInput.focus();
      return;
    }
    const id = newId();
    const kind = visibility.value === "public" ? "public" : "private";
    void state.rep.mutate.createRoom({ id, name, visibility: kind });
    nameInput.value = "";
    state.select(id);
  });
  const invite = element<HTMLFormElement>("invite");
  const inviteUser = element<HTMLInputElement>("invite-user");
  invite.addEventListener("submit", (event) => {
    event.preventDefault();
    const userID = inviteUser.value.trim();
    if (userID !== "") {
      void state.rep.mutate.addMember({ roomID: state.current, userID });
      inviteUser.value = "";
    }
  });
  element<HTMLButtonElement>("leave-room").addEventListener("click", () => {
    void state.rep.mutate.removeMember({ roomID: state.current, userID: state.user });
    state.select(GENERAL);
  });
  element<HTMLButtonElement>("delete-room").addEventListener("click", () => {
    if (confirm("Delete this room and its messages for everyone?")) {
      void state.rep.mutate.deleteRoom({ id: state.current });
      state.select(GENERAL);
    }
  });
}

/** The room list: every room of the view, the current one marked. */
export function renderRoomList(state: ChatState) {
  const list = element<HTMLUListElement>("room-list");
  list.replaceChildren(
    ...state.rooms.map(([id, room]) => {
      const li = document.createElement("li");
      li.dataset.room = id;
      li.classList.toggle("current", id === state.current);
      li.classList.toggle("private", room.visibility === "private");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = room.visibility === "private" ? room.name : `# ${room.name}`;
      button.title = room.visibility === "private" ? "private room" : "public room";
      button.setAttribute("aria-current", id === state.current ? "true" : "false");
      button.addEventListener("click", () => state.select(id));
      li.append(button);
      return li;
    }),
  );
}

/** The current room's title, kind, buttons and member list. */
export function renderRoomHeader(state: ChatState) {
  const room = state.rooms.find(([id]) => id === state.current)?.[1];
  const isPrivate = room?.visibility === "private";
  element<HTMLHeadingElement>("room-title").textContent = room?.name ?? state.current;
  element<HTMLSpanElement>("room-kind").textContent = isPrivate ? "private" : "public";
  const owner = room !== undefined && room.owner === state.user && state.session !== null;
  element<HTMLButtonElement>("leave-room").hidden = !isPrivate || owner;
  element<HTMLButtonElement>("delete-room").hidden = !owner || state.current === GENERAL;
  const members = element<HTMLDivElement>("members");
  members.hidden = !isPrivate;
  element<HTMLUListElement>("member-list").replaceChildren(
    ...state.members.map(([user, member]) => {
      const li = document.createElement("li");
      li.dataset.user = user;
      li.textContent = member.role === "owner" ? `${user} (owner)` : user;
      if (owner && member.role !== "owner") {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove";
        remove.textContent = "remove";
        remove.addEventListener("click", () => {
          void state.rep.mutate.removeMember({ roomID: state.current, userID: user });
        });
        li.append(" ", remove);
      }
      return li;
    }),
  );
}
