// Property tests generate sequences long enough to reach the cases they exist for (node splits and
// merges, garbage collection), not fast-check's small default.
import fc from "fast-check";

fc.configureGlobal({ baseSize: "medium" });
