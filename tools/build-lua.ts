// Placeholder until the Lua build lands (issue 5).
export async function buildLua(): Promise<void> {
  throw new Error("the Lua build is not written yet");
}
