// The chat once Replicache is open: what the page shows (the rooms, the current room's
// messages and members, the notices of refused changes) and the online and pending
// indicators. rooms.ts and messages.ts render their parts from the state kept here.

import type { Replicache } from "replicache";
import { element } from "./dom";
import { renderMessages, wireComposer } from "./messages";
import {
  GENERAL,
  listMembers,
  listRejections,
  listRoomMessages,
  listRooms,
  type Member,
  type Message,
  type Mutators,
  type Rejection,
  type Room,
} from "./mutators";
import { renderRoomHeader, renderRoomList, wireRooms } from "./rooms";
import type { Session } from "./session";
import type { ChatState } from "./state";

const NAME_KEY = "replichat.name";
const ROOM_KEY = "replichat.room";
const SEEN_KEY = "replichat.seen-errors";

/** What the page's poke subscription reports back. */
export type Chat = { streamChanged: (open: boolean) => void };

/** Starts the chat on `rep` for `session`. */
export function startChat(rep: Replicache<Mutators>, session: Session): Chat {
  const nameInput = element<HTMLInputElement>("name");
  nameInput.value = localStorage.getItem(NAME_KEY) ?? session?.user ?? "";
  let streamOpen = false;
  let unsubscribeRoom = () => {};
  const state: ChatState = {
    rep,
    session,
    user: session?.user ?? "",
    rooms: [],
    current: localStorage.getItem(ROOM_KEY) ?? GENERAL,
    members: [],
    messages: [],
    editing: null,
    name: () => nameInput.value.trim(),
    select: (room: string) => {
      state.current = room;
      localStorage.setItem(ROOM_KEY, room);
      state.editing = null;
      unsubscribeRoom();
      unsubscribeRoom = subscribeRoom(state);
      state.render();
    },
    render: () => {
      renderRoomList(state);
      renderRoomHeader(state);
      renderMessages(state);
    },
  };

  nameInput.addEventListener("input", () => {
    localStorage.setItem(NAME_KEY, state.name());
    renderMessages(state);
  });
  wireRooms(state);
  wireComposer(state);
  rep.subscribe(listRooms, {
    onData(rooms: Array<[string, Room]>) {
      state.rooms = rooms;
      if (!rooms.some(([id]) => id === state.current) && rooms.length > 0) {
        state.select(GENERAL); // the room went away (left, removed or deleted)
        return;
      }
      state.render();
    },
  });
  rep.subscribe(listRejections, { onData: (rejections) => renderNotices(rejections) });
  unsubscribeRoom = subscribeRoom(state);

  const renderConnection = () => {
    const online = navigator.onLine && rep.online && streamOpen;
    const connection = element<HTMLSpanElement>("connection");
    connection.dataset.state = online ? "online" : "offline";
    connection.textContent = online ? "online" : "offline";
  };
  const refreshPending = pendingCounter(rep);
  rep.onOnlineChange = () => renderConnection();
  rep.onSync = (syncing) => {
    if (!syncing) {
      refreshPending();
    }
  };
  window.addEventListener("online", () => {
    renderConnection();
    void rep.push({ now: true });
    void rep.pull({ now: true });
  });
  window.addEventListener("offline", () => renderConnection());
  renderConnection();
  refreshPending();
  state.refreshPending = refreshPending;
  return {
    streamChanged(open: boolean) {
      streamOpen = open;
      renderConnection();
    },
  };
}

/** Subscribes to the current room's messages and members; returns the unsubscriber. */
function subscribeRoom(state: ChatState): () => void {
  const room = state.current;
  const stopMessages = state.rep.subscribe((tx) => listRoomMessages(tx, room), {
    onData(messages: Array<[string, Message]>) {
      state.messages = messages;
      renderMessages(state);
      state.refreshPending?.();
    },
  });
  const stopMembers = state.rep.subscribe((tx) => listMembers(tx, room), {
    onData(members: Array<[string, Member]>) {
      state.members = members;
      renderRoomHeader(state);
    },
  });
  return () => {
    stopMessages();
    stopMembers();
  };
}

/** Shows the server's refusals of this browser's changes, each until dismissed. */
function renderNotices(rejections: Array<[string, Rejection]>) {
  const seen = new Set<string>(JSON.parse(localStorage.getItem(SEEN_KEY) ?? "[]") as string[]);
  const list = element<HTMLUListElement>("notices");
  const fresh = rejections.filter(([key]) => !seen.has(key)).slice(-3);
  list.replaceChildren(
    ...fresh.map(([key, rejection]) => {
      const li = document.createElement("li");
      li.dataset.key = key;
      const text = document.createElement("span");
      text.textContent = `The server refused ${rejection.name}: ${rejection.message}`;
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "dismiss";
      dismiss.textContent = "ok";
      dismiss.addEventListener("click", () => {
        seen.add(key);
        localStorage.setItem(SEEN_KEY, JSON.stringify([...seen].slice(-200)));
        li.remove();
      });
      li.append(text, dismiss);
      return li;
    }),
  );
}

/**
 * The pending-mutations counter. experimentalPendingMutations() does not wait for
 * Replicache to open (a query does), and its answers must be shown in order: one chain,
 * started once the cache is ready.
 */
function pendingCounter(rep: Replicache<Mutators>): () => void {
  const pending = element<HTMLSpanElement>("pending");
  let chain: Promise<void> = rep.query(() => undefined);
  return () => {
    chain = chain
      .then(async () => {
        if (rep.closed) {
          return;
        }
        const count = (await rep.experimentalPendingMutations()).length;
        pending.dataset.count = String(count);
        pending.textContent = `${count} pending`;
      })
      .catch((error: unknown) => console.warn("cannot count pending mutations", error));
  };
}
