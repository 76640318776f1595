// Runs a command's main in this process, as its bin would, and keeps what it writes and its exit code.
import { exitCode, Io } from "../src/cli/flags";

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(main: (argv: string[], io: Io) => Promise<void>, argv: string[]): Promise<Ran> {
  let stdout = "",
    stderr = "";
  const io: Io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const status = await exitCode(() => main(argv, io), io.stderr);
  return { status, stdout, stderr };
}
