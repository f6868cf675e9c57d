// What the chat page shows, shared by its modules (chat.ts keeps it up to date).

import type { Replicache } from "replicache";
import type { Member, Message, Mutators, Room } from "./mutators";
import type { Session } from "./session";

/** The page's state. */
export type ChatState = {
  rep: Replicache<Mutators>;
  /** The logged-in user, or `null` when the server needs no login. */
  session: Session;
  /** The user id the server knows the page as (`""` without a login). */
  user: string;
  /** The rooms the view holds, `general` first. */
  rooms: Array<[string, Room]>;
  /** The room shown. */
  current: string;
  /** The current room's members (private rooms only). */
  members: Array<[string, Member]>;
  /** The current room's messages, in order. */
  messages: Array<[string, Message]>;
  /** The message being edited, if any. */
  editing: { id: string; input: HTMLInputElement } | null;
  /** The display name typed in the composer. */
  name: () => string;
  /** Shows another room. */
  select: (room: string) => void;
  /** Renders everything again. */
  render: () => void;
  /** Refreshes the pending-mutations counter. */
  refreshPending?: () => void;
};
