// Builds the chat page into dist/: app.js (bundled and minified TypeScript),
// index.html and style.css. Usage: node build.mjs [--outdir DIR]
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const flag = process.argv.indexOf("--outdir");
const outdir = resolve(flag >= 0 ? process.argv[flag + 1] : join(here, "dist"));

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(outdir, "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  minify: true,
  sourcemap: true,
  // Replicache reads process.env.NODE_ENV; the browser has no `process`.
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
  metafile: true,
});
await copyFile(join(here, "index.html"), join(outdir, "index.html"));
await copyFile(join(here, "src/style.css"), join(outdir, "style.css"));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`built ${outdir} (${Math.round(bytes / 1024)} KiB)`);
