// Placeholder until the Espruino build lands (issue 4).
export async function buildEspruino(): Promise<void> {
  throw new Error("the Espruino build is not written yet");
}
