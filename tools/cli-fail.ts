// How the motedb command fails: one line on stderr and a non-zero exit, never a stack trace.

/** A failure the user can act on: its message is the whole report. */
export class Fail extends Error {
  exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Exit codes: 1 for a failure (a bad or unhealthy file, a refused write), 2 for bad usage. */
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/** One line that says what went wrong, for anything thrown. */
export function oneLine(e: unknown): string {
  if (e instanceof Fail) return e.message;
  const err = e as { code?: unknown; message?: unknown; path?: unknown };
  if (err !== null && typeof err === "object" && typeof err.message === "string") {
    // Node's file errors: ENOENT: no such file or directory, open 'x'
    if (typeof err.code === "string" && /^E[A-Z]+$/.test(err.code) && !err.code.startsWith("E_")) {
      const path = typeof err.path === "string" ? err.path : "";
      return "cannot use " + (path !== "" ? path : "the file") + ": " + describeOsError(err.code, err.message);
    }
    // MoteDB's errors already read "E_CODE: what to do".
    return err.message.split("\n")[0];
  }
  return String(e);
}

function describeOsError(code: string, message: string): string {
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return message.split("\n")[0];
  }
}
