// The same bytes on flash on every runtime: a fixed workload (a fixed clock, given keys, text
// beyond ASCII, integers and floats, tags, a TTL, a batch, a delete) written to a 4 KB flash, whose
// bytes are then printed as hex, 64 a line. tools/device.ts runs it on the interpreter or board and
// on Node (SAME_BYTES_FLASH: a SimFlash there) and requires the same lines: CRCs, floats and UTF-8
// are native code on Espruino (src/ports/espruino-native.ts), the core's arithmetic on Node.
// Plain JavaScript in Espruino's dialect; it finds the module with require("motedb"). Numbers that
// are not exact in binary are computed, not written as literals: Espruino parses a literal such as
// 1e300 to a neighbouring double, while arithmetic rounds the same everywhere.
var M = require("motedb");
var F = typeof SAME_BYTES_FLASH !== "undefined" ? SAME_BYTES_FLASH : M.storageFlash({ name: "sb", pageSize: 1024, pageCount: 4 });
for (var p = 0; p < 4; p++) F.erase(p);
var huge = 1;
for (var e = 0; e < 300; e++) huge *= 10;
var db = new M.MoteDB({ inMemory: false, flash: F, clock: { now: function () { return 1700000000.25; } }, ttlCheckInterval: 3600 });
db.put("reading", { t: 21.5, h: -0.125, n: [1, -2, 300, huge, 1099511627776], s: "h\u00e9llo \u20ac \u65e5\u672c", o: { z: null, b: true, a: false } }, 60, ["room", "\u00e9t\u00e9"]);
db.put("\u00e9k", 1 / 10);
db.putBatch([["b1", { v: 1 }], ["b2", "two"], ["b3", [3]]], [0, 30, 0]);
db.delete("b2");
db.flush();
db.put("last", { big: 123456789 / 1000 });
db.close();
for (p = 0; p < 64; p++) {
  var s = F.read(p * 64, 64);
  var h = "";
  for (var i = 0; i < s.length; i++) h += (256 + s.charCodeAt(i)).toString(16).substr(1);
  print("HEX" + (100 + p) + " " + h);
}
