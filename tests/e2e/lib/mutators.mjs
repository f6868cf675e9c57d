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

/** createMessage, updateMessage, deleteMessage as the page registers them. */
export const mutators = module.mutators;
/** `(tx) => [[id, {from, content, order}], ...]` ordered by order, then id. */
export const listMessages = module.listMessages;
/** `message/<id>` */
export const messageKey = module.messageKey;
