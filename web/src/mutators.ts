// The chat's mutators, as the client runs them against its local cache.
//
// They mirror the server's (src/service/mutators.rs) so that the optimistic local
// result equals what the next pull brings back:
//   createMessage {id, from, content, order} -> key message/<id> = {from, content, order}
//   updateMessage {id, content}              -> content replaced; absent message: no change
//   deleteMessage {id}                       -> key removed (the server soft-deletes and
//                                               pulls answer `del`)
// This module imports nothing at run time: the Node end-to-end tests load it as is.

import type { ReadTransaction, WriteTransaction } from "replicache";

/** A chat message as stored under `message/<id>`: exactly these three members. */
export type Message = {
  from: string;
  content: string;
  order: number;
};

/** Arguments of `createMessage`. */
export type CreateMessageArgs = Message & { id: string };
/** Arguments of `updateMessage`. */
export type UpdateMessageArgs = { id: string; content: string };
/** Arguments of `deleteMessage`. */
export type DeleteMessageArgs = { id: string };

/** Prefix of every message key. */
export const MESSAGE_PREFIX = "message/";

/** The key of message `id`. */
export function messageKey(id: string): string {
  return MESSAGE_PREFIX + id;
}

/** The message id in a `message/<id>` key. */
export function messageId(key: string): string {
  return key.slice(MESSAGE_PREFIX.length);
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.from === "string" &&
    typeof v.content === "string" &&
    typeof v.order === "number"
  );
}

/** The mutators registered with Replicache; their names are the server's. */
export const mutators = {
  async createMessage(tx: WriteTransaction, args: CreateMessageArgs) {
    const { id, from, content, order } = args;
    const key = messageKey(id);
    // The server refuses an existing id without changing the row; do the same.
    if (await tx.has(key)) {
      return;
    }
    await tx.set(key, { from, content, order });
  },

  async updateMessage(tx: WriteTransaction, args: UpdateMessageArgs) {
    const { id, content } = args;
    const key = messageKey(id);
    const current = await tx.get(key);
    if (!isMessage(current)) {
      return;
    }
    await tx.set(key, { from: current.from, content, order: current.order });
  },

  async deleteMessage(tx: WriteTransaction, args: DeleteMessageArgs) {
    await tx.del(messageKey(args.id));
  },
};

/** The mutator set's type, for `Replicache<Mutators>`. */
export type Mutators = typeof mutators;

/** Every message with its id, ordered by `order` (ties broken by id). */
export async function listMessages(
  tx: ReadTransaction,
): Promise<Array<[string, Message]>> {
  const entries = await tx
    .scan({ prefix: MESSAGE_PREFIX })
    .entries()
    .toArray();
  const messages: Array<[string, Message]> = [];
  for (const [key, value] of entries) {
    if (isMessage(value)) {
      messages.push([messageId(key), value]);
    }
  }
  return sortMessages(messages);
}

/** Sorts `[id, message]` pairs by `order`, then by id, so every client shows one order. */
export function sortMessages(
  messages: Array<[string, Message]>,
): Array<[string, Message]> {
  return messages.sort(([idA, a], [idB, b]) =>
    a.order !== b.order ? a.order - b.order : idA < idB ? -1 : idA > idB ? 1 : 0,
  );
}
