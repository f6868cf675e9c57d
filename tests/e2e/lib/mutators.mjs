// The page's mutators (web/src/mutators.ts), compiled from the TypeScript source at
// load time, so the Node clients run exactly the code the chat page runs.
import { transform } from "esbuild";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.mjs";

const source = join(REPO_ROOT, "web/src/mutators.ts");
const { code } = await transform(await readFile(source, "utf8"), {
  loader: "ts",
  format: "esm",
  target: "node20",
  sourcefile: source,
});
const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

/** The mutators as the page registers them without a login. */
export const mutators = module.mutators;
/** `(user) => mutators` as the page registers them for a logged-in user. */
export const mutatorsFor = module.mutatorsFor;
/** The page's Replicache indexes (messages by room). */
export const indexes = module.indexes;
/** `(tx) => [[roomID, room], ...]`, general first. */
export const listRooms = module.listRooms;
/** `(tx, roomID) => [[id, message], ...]` of one room, in order. */
export const listRoomMessages = module.listRoomMessages;
/** `(tx) => [[id, {from, content, order}], ...]` ordered by order, then id. */
export const listMessages = module.listMessages;
/** `message/<id>` */
export const messageKey = module.messageKey;
