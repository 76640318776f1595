// One line for a refused input: the file, the item (namespace/name) and the field, as the CLI prints it (exit 2).
import { UsageError } from "../cli/flags";

export class InputError extends UsageError {
  constructor(
    readonly file: string,
    readonly item: string | undefined,
    readonly field: string | undefined,
    what: string,
  ) {
    super(`${file}${item ? `: ${item}` : ""}${field ? `: ${field}` : ""}: ${what}`);
  }
}
