// Runs inside a namespace: "listen PORT" is the pod's TCP listener; "connect ADDR PORT COUNT"
// times COUNT sequential TCP connects (each a new connection, so each first packet meets the
// rules) and prints their latencies in ns as JSON. Bounded in count and time.
import net from "node:net";

const CONNECT_TIMEOUT_MS = 2000;
const TOTAL_DEADLINE_MS = 60000;

function listen(port: number): void {
  const server = net.createServer((sock) => sock.destroy());
  server.listen(port, "0.0.0.0", () => process.stdout.write("listening\n"));
  process.stdin.on("end", () => process.exit(0)); // the parent closing stdin ends the listener
  process.stdin.resume();
}

function connectOnce(addr: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const sock = net.connect({ host: addr, port, timeout: CONNECT_TIMEOUT_MS });
    sock.once("connect", () => {
      const ns = Number(process.hrtime.bigint() - t0);
      sock.destroy();
      resolve(ns);
    });
    sock.once("timeout", () => {
      sock.destroy();
      reject(new Error(`connect to ${addr}:${port} timed out`));
    });
    sock.once("error", (err) => reject(err));
  });
}

async function connect(addr: string, port: number, count: number): Promise<void> {
  const deadline = Date.now() + TOTAL_DEADLINE_MS;
  const out: number[] = [];
  for (let i = 0; i < count && Date.now() < deadline; i++) out.push(await connectOnce(addr, port));
  process.stdout.write(JSON.stringify(out) + "\n");
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === "listen") listen(Number(a));
else if (mode === "connect") {
  connect(a, Number(b), Math.min(Number(c), 10000)).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write("usage: probe listen PORT | probe connect ADDR PORT COUNT\n");
  process.exit(2);
}
