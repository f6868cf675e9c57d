// The chat's mutators, as the client runs them against its local cache, and the reads of
// the client view (docs/rooms.md).
//
// They mirror the server's (src/service/mutators/) so that the optimistic local result
// equals what the next pull brings back; where the server would refuse a mutation they
// change nothing, and the server's refusal arrives as an error/<clientID>/<id> entry.
//   createMessage {id, from, content, order, roomID?} -> message/<id>
//   updateMessage {id, content} / deleteMessage {id}
//   createRoom {id, name, visibility?} -> room/<id> (+ member/<id>/<me> if private)
//   renameRoom {id, name} / deleteRoom {id}
//   addMember {roomID, userID} / removeMember {roomID, userID} -> member/<room>/<user>
// This module imports nothing at run time: the Node end-to-end tests load it as is.

import type { ReadTransaction, WriteTransaction } from "replicache";

/** A chat message as stored under `message/<id>`. */
export type Message = {
  from: string;
  content: string;
  order: number;
  roomID: string;
  /** The user the server authenticated when it was posted. */
  author: string;
};

/** A room as stored under `room/<id>`. */
export type Room = {
  name: string;
  visibility: "public" | "private";
  owner: string;
};

/** A member of a private room, stored under `member/<roomID>/<userID>`. */
export type Member = { role: "owner" | "member" };

/** A mutation the server refused, stored under `error/<clientID>/<mutationID>`. */
export type Rejection = { name: string; message: string };

/** Arguments of `createMessage` (`roomID` defaults to `general`). */
export type CreateMessageArgs = {
  id: string;
  from: string;
  content: string;
  order: number;
  roomID?: string;
};
/** Arguments of `updateMessage`. */
export type UpdateMessageArgs = { id: string; content: string };
/** Arguments of `deleteMessage`. */
export type DeleteMessageArgs = { id: string };
/** Arguments of `createRoom` (`visibility` defaults to `private`). */
export type CreateRoomArgs = { id: string; name: string; visibility?: "public" | "private" };
/** Arguments of `renameRoom`. */
export type RenameRoomArgs = { id: string; name: string };
/** Arguments of `deleteRoom`. */
export type DeleteRoomArgs = { id: string };
/** Arguments of `addMember` and `removeMember`. */
export type MembershipArgs = { roomID: string; userID: string };

/** The room every server has; messages without a room go there. */
export const GENERAL = "general";
/** Prefix of every message key. */
export const MESSAGE_PREFIX = "message/";
/** Prefix of every room key. */
export const ROOM_PREFIX = "room/";
/** Prefix of every member key. */
export const MEMBER_PREFIX = "member/";
/** Prefix of every error entry. */
export const ERROR_PREFIX = "error/";
/** The Replicache index of messages by room (`roomID`). */
export const MESSAGES_BY_ROOM = "messagesByRoom";

/** The indexes the page's Replicache opens with. */
export const indexes = {
  [MESSAGES_BY_ROOM]: { prefix: MESSAGE_PREFIX, jsonPointer: "/roomID" },
};

/** The key of message `id`. */
export function messageKey(id: string): string {
  return MESSAGE_PREFIX + id;
}

/** The message id in a `message/<id>` key. */
export function messageId(key: string): string {
  return key.slice(MESSAGE_PREFIX.length);
}

/** The key of room `id`. */
export function roomKey(id: string): string {
  return ROOM_PREFIX + id;
}

/** The key of `userID`'s membership of `roomID`. */
export function memberKey(roomID: string, userID: string): string {
  return `${MEMBER_PREFIX}${roomID}/${userID}`;
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.from === "string" &&
    typeof v.content === "string" &&
    typeof v.order === "number" &&
    (v.roomID === undefined || typeof v.roomID === "string")
  );
}

function isRoom(value: unknown): value is Room {
  return typeof value === "object" && value !== null && typeof (value as Room).name === "string";
}

/** True when `user` may read the room (public, or a member of a private one). */
async function canRead(tx: ReadTransaction, roomID: string, user: string): Promise<boolean> {
  if (roomID === GENERAL) {
    return true; // always there, public; a fresh cache may not have pulled it yet
  }
  const room = await tx.get(roomKey(roomID));
  if (!isRoom(room)) {
    return false;
  }
  return room.visibility === "public" || (await tx.has(memberKey(roomID, user)));
}

/**
 * The mutators of `currentUser` (the user the server knows the page as: the login's user
 * id, or "" without authentication), who is stamped as a message's author and a room's
 * owner, as the server does. Their names are the server's.
 */
export function mutatorsFor(currentUser: string) {
  return {
    async createMessage(tx: WriteTransaction, args: CreateMessageArgs) {
      const { id, from, content, order } = args;
      const roomID = args.roomID ?? GENERAL;
      const key = messageKey(id);
      if ((await tx.has(key)) || !(await canRead(tx, roomID, currentUser))) {
        return;
      }
      await tx.set(key, { from, content, order, roomID, author: currentUser });
    },

    async updateMessage(tx: WriteTransaction, args: UpdateMessageArgs) {
      const current = await tx.get(messageKey(args.id));
      if (!isMessage(current) || current.author !== currentUser) {
        return;
      }
      await tx.set(messageKey(args.id), { ...current, content: args.content });
    },

    async deleteMessage(tx: WriteTransaction, args: DeleteMessageArgs) {
      const current = await tx.get(messageKey(args.id));
      if (!isMessage(current)) {
        return;
      }
      const room = await tx.get(roomKey(current.roomID ?? GENERAL));
      const owner = isRoom(room) && room.owner === currentUser;
      if (current.author === currentUser || owner) {
        await tx.del(messageKey(args.id));
      }
    },

    async createRoom(tx: WriteTransaction, args: CreateRoomArgs) {
      const visibility = args.visibility ?? "private";
      if (await tx.has(roomKey(args.id))) {
        return;
      }
      await tx.set(roomKey(args.id), { name: args.name, visibility, owner: currentUser });
      if (visibility === "private") {
        await tx.set(memberKey(args.id, currentUser), { role: "owner" });
      }
    },

    async renameRoom(tx: WriteTransaction, args: RenameRoomArgs) {
      const room = await tx.get(roomKey(args.id));
      if (isRoom(room) && room.owner === currentUser) {
        await tx.set(roomKey(args.id), { ...room, name: args.name });
      }
    },

    async deleteRoom(tx: WriteTransaction, args: DeleteRoomArgs) {
      const room = await tx.get(roomKey(args.id));
      if (args.id !== GENERAL && isRoom(room) && room.owner === currentUser) {
        await tx.del(roomKey(args.id));
      }
    },

    async addMember(tx: WriteTransaction, args: MembershipArgs) {
      const room = await tx.get(roomKey(args.roomID));
      if (isRoom(room) && room.visibility === "private" && (await canRead(tx, args.roomID, currentUser))) {
        if (!(await tx.has(memberKey(args.roomID, args.userID)))) {
          await tx.set(memberKey(args.roomID, args.userID), { role: "member" });
        }
      }
    },

    async removeMember(tx: WriteTransaction, args: MembershipArgs) {
      const room = await tx.get(roomKey(args.roomID));
      if (!isRoom(room) || room.owner === args.userID) {
        return;
      }
      if (room.owner !== currentUser && args.userID !== currentUser) {
        return;
      }
      await tx.del(memberKey(args.roomID, args.userID));
      if (args.userID === currentUser) {
        await tx.del(roomKey(args.roomID)); // left: the room is no longer ours to read
      }
    },
  };
}

/** The mutators of a page without a login (the anonymous user `""`). */
export const mutators = mutatorsFor("");

/** The mutator set's type, for `Replicache<Mutators>`. */
export type Mutators = ReturnType<typeof mutatorsFor>;

/** Every message with its id, ordered by `order` (ties broken by id). */
export async function listMessages(tx: ReadTransaction): Promise<Array<[string, Message]>> {
  const entries = await tx.scan({ prefix: MESSAGE_PREFIX }).entries().toArray();
  const messages: Array<[string, Message]> = [];
  for (const [key, value] of entries) {
    if (isMessage(value)) {
      messages.push([messageId(key), value]);
    }
  }
  return sortMessages(messages);
}

/** The messages of `roomID` (through the room index), ordered like [`listMessages`]. */
export async function listRoomMessages(
  tx: ReadTransaction,
  roomID: string,
): Promise<Array<[string, Message]>> {
  const entries = await tx
    .scan({ indexName: MESSAGES_BY_ROOM, start: { key: [roomID] } })
    .entries()
    .toArray();
  const messages: Array<[string, Message]> = [];
  for (const [[secondary, primary], value] of entries) {
    if (secondary !== roomID) {
      break;
    }
    if (isMessage(value)) {
      messages.push([messageId(primary), value]);
    }
  }
  return sortMessages(messages);
}

/** Every room the view holds, `general` first, then by name. */
export async function listRooms(tx: ReadTransaction): Promise<Array<[string, Room]>> {
  const entries = await tx.scan({ prefix: ROOM_PREFIX }).entries().toArray();
  const rooms: Array<[string, Room]> = [];
  for (const [key, value] of entries) {
    if (isRoom(value)) {
      rooms.push([key.slice(ROOM_PREFIX.length), value]);
    }
  }
  return rooms.sort(([idA, a], [idB, b]) =>
    idA === GENERAL ? -1 : idB === GENERAL ? 1 : a.name.localeCompare(b.name) || (idA < idB ? -1 : 1),
  );
}

/** The members of `roomID` with their roles, owner first. */
export async function listMembers(
  tx: ReadTransaction,
  roomID: string,
): Promise<Array<[string, Member]>> {
  const prefix = `${MEMBER_PREFIX}${roomID}/`;
  const entries = await tx.scan({ prefix }).entries().toArray();
  return entries
    .map(([key, value]) => [key.slice(prefix.length), value as Member] as [string, Member])
    .sort(([a, ma], [b, mb]) =>
      ma.role === mb.role ? (a < b ? -1 : 1) : ma.role === "owner" ? -1 : 1,
    );
}

/** The error entries of this client group, newest mutation last. */
export async function listRejections(
  tx: ReadTransaction,
): Promise<Array<[string, Rejection]>> {
  const entries = await tx.scan({ prefix: ERROR_PREFIX }).entries().toArray();
  return entries.map(([key, value]) => [key, value as Rejection] as [string, Rejection]);
}

/** Sorts `[id, message]` pairs by `order`, then by id, so every client shows one order. */
export function sortMessages(messages: Array<[string, Message]>): Array<[string, Message]> {
  return messages.sort(([idA, a], [idB, b]) =>
    a.order !== b.order ? a.order - b.order : idA < idB ? -1 : idA > idB ? 1 : 0,
  );
}
