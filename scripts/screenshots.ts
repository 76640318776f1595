// Opens every chart of a results folder in headless Chromium and saves a PNG of each, so a person
// can see what the report shows. Usage: npm run screenshots [-- RESULTS_DIR [PNG_DIR]]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome"];

function findChromium(): string | undefined {
  for (const name of CANDIDATES) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() !== "") return r.stdout.trim();
  }
  return undefined;
}

/** Screenshots of each SVG; returns the PNG paths. */
function screenshots(chromium: string, svgDir: string, pngDir: string): string[] {
  fs.mkdirSync(pngDir, { recursive: true });
  const out: string[] = [];
  for (const svg of fs
    .readdirSync(svgDir)
    .filter((f) => f.endsWith(".svg"))
    .sort()) {
    const text = fs.readFileSync(path.join(svgDir, svg), "utf8");
    const [w, h] = [/width="(\d+)"/.exec(text)?.[1] ?? "800", /height="(\d+)"/.exec(text)?.[1] ?? "600"];
    const png = path.join(pngDir, svg.replace(/\.svg$/, ".png"));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "svcbench-chromium-"));
    const r = spawnSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--hide-scrollbars",
        `--window-size=${w},${h}`,
        `--screenshot=${png}`,
        pathToFileURL(path.join(svgDir, svg)).href,
      ],
      { encoding: "utf8", timeout: 60000 },
    );
    fs.rmSync(profile, { recursive: true, force: true });
    if (r.status !== 0 || !fs.existsSync(png))
      throw new Error(`chromium could not screenshot ${svg}: ${r.stderr.split("\n")[0]}`);
    out.push(png);
  }
  return out;
}

if (require.main === module) {
  const [dir = "results", pngDir = path.join("build", "screenshots")] = process.argv.slice(2);
  const chromium = findChromium();
  if (!chromium) {
    process.stdout.write("skipped: Chromium is not installed (Debian: apt-get install chromium)\n");
  } else {
    for (const p of screenshots(chromium, path.join(dir, "charts"), pngDir)) process.stdout.write(`${p}\n`);
  }
}
