// What the kernel suite needs from the machine: root, the iptables and nftables commands, and for the
// BPF case clang, gcc (for -print-multiarch), bpftool and libbpf's headers.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { SvcbenchError } from "../../src/core";

export const TOOLS = [
  { cmd: "ip", pkg: "iproute2" },
  { cmd: "iptables-legacy-restore", pkg: "iptables" },
  { cmd: "iptables-nft-restore", pkg: "iptables" },
  { cmd: "nft", pkg: "nftables" },
  { cmd: "clang", pkg: "clang" },
  { cmd: "gcc", pkg: "gcc" },
  { cmd: "bpftool", pkg: "bpftool" },
  { cmd: "/usr/include/bpf/bpf_helpers.h", pkg: "libbpf-dev" },
] as const;

/** A command on PATH, or (for a path) a file that exists. */
function onPath(cmd: string): boolean {
  if (cmd.startsWith("/")) return fs.existsSync(cmd);
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Throws one message naming everything missing and how to get it; changes nothing. */
export function preflight(isRoot = process.getuid?.() === 0, has: (cmd: string) => boolean = onPath): void {
  const problems: string[] = [];
  if (!isRoot) problems.push("it must run as root (it creates network namespaces and loads rules into them)");
  const missing = TOOLS.filter((t) => !has(t.cmd));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => t.pkg))];
    problems.push(`missing ${missing.map((t) => t.cmd).join(", ")}: install with "apt-get install ${pkgs.join(" ")}"`);
  }
  if (problems.length > 0) throw new SvcbenchError(`the kernel suite cannot run: ${problems.join("; ")}`);
}

/** The first line of each tool's --version, for the results' environment. */
export function toolVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of TOOLS.filter((x) => x.cmd !== "ip" && !x.cmd.startsWith("/"))) {
    const r = spawnSync(t.cmd, ["--version"], { encoding: "utf8" });
    out[t.cmd] = (r.stdout || r.stderr || "unknown").trim().split("\n")[0];
  }
  return out;
}
