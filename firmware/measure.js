// Measurements by hand (not a test): RAM and speed of MoteDB next to Storage.writeJSON/readJSON.
//   npm run test:device -- --bin /work/espruino-bin/espruino --build full --script firmware/measure.js
// Plain JavaScript for Espruino; tools/device.ts has stored the module as "motedb" in Storage.
var N = 100;
function used() { return process.memory().usage; }
function rate(n, t0) { return Math.round(n / (getTime() - t0)); }
function doc(i) { return { t: 20 + (i % 10) / 4, h: 40 + (i % 7), id: i }; }

// FROM_RAM: evaluate a RAM copy of the module instead of requiring it from Storage. On the Linux
// build, code required from Storage runs from the emulated flash file, read a byte at a time.
var FROM_RAM = typeof MEASURE_FROM_RAM !== "undefined";
var src = FROM_RAM ? require("Storage").read("motedb") + "" : undefined;
var m0 = used();
if (FROM_RAM) Modules.addCached("motedbram", src);
var M = global.require(FROM_RAM ? "motedbram" : "motedb");
src = undefined;
var m1 = used();
print(FROM_RAM ? "module evaluated from a RAM string" : "module required from Storage");
print("module: " + (m1 - m0) + " variables (blocksize " + process.memory().blocksize + " bytes)");

var big = { free: function () { return 1000000; } }; // the Linux build grows its pool: budget from a fixed figure
var db = new M.MoteDB({ ttlCheckInterval: 3600, memory: big });
var m2 = used();
print("empty database: " + (m2 - m1) + " variables");
var t0 = getTime();
for (var i = 0; i < N; i++) db.put("s" + (1000 + i), doc(i), 0, ["room", "t"]);
var putRate = rate(N, t0);
var m3 = used();
print(N + " records (memory mode): " + (m3 - m2) + " variables, " + ((m3 - m2) / N).toFixed(1) + " a record; budget " + db.stats().budgetBytes + " bytes, used " + db.stats().usedBytes);
t0 = getTime();
for (var r = 0; r < 3; r++) for (i = 0; i < N; i++) db.get("s" + (1000 + i));
var getRate = rate(3 * N, t0);
print("memory mode: put " + putRate + " ops/s, get " + getRate + " ops/s");
db.close();
db = undefined;

var F = M.storageFlash({ name: "mm", pageSize: 4096, pageCount: 8 });
for (var p = 0; p < 8; p++) F.erase(p);
var fdb = new M.MoteDB({ inMemory: false, flash: F, ttlCheckInterval: 3600, memory: big });
t0 = getTime();
for (i = 0; i < N; i++) fdb.put("s" + (1000 + i), doc(i));
fdb.flush();
var fput = rate(N, t0);
t0 = getTime();
for (i = 0; i < N; i++) fdb.get("s" + (1000 + i));
var fget = rate(N, t0);
print("flash mode (Storage pages): put " + fput + " ops/s (with flushes), get " + fget + " ops/s");
fdb.close();
fdb = undefined;

// The RAM budget's calibration (src/ports/espruino.ts VARS_PER_COUNTED_BYTE): variables a record
// takes for each byte the budget counts for it, by document shape; the constant is the worst with
// a margin. Memory mode, 100 records of each shape, one after another in one database.
var shapes = [
  ["3 fields, 2 tags", function (i) { return [doc(i), 0, ["room", "t"]]; }],
  ["3 fields", function (i) { return [doc(i), 0, undefined]; }],
  ["tiny {v:i}", function (i) { return [{ v: i }, 0, undefined]; }],
  ["a number", function (i) { return [i, 0, undefined]; }],
  ["100-char string", function (i) { return ["x".repeat(90) + (1000 + i), 0, undefined]; }],
  ["3 fields, ttl", function (i) { return [doc(i), 3600, undefined]; }],
  ["nested+array, 1 tag", function (i) { return [{ a: { b: [1, 2, 3], c: "xy" }, d: [i, "s"] }, 0, ["k"]]; }],
];
var sdb = new M.MoteDB({ ttlCheckInterval: 3600, memory: big });
var worst = 0;
for (var j = 0; j < shapes.length; j++) {
  var v0 = used();
  var c0 = sdb.stats().usedBytes;
  for (i = 0; i < N; i++) { var a = shapes[j][1](i); sdb.put("s" + (1000 + i), a[0], a[1], a[2]); }
  var vars = used() - v0;
  var counted = sdb.stats().usedBytes - c0;
  if (vars / counted > worst) worst = vars / counted;
  print(shapes[j][0] + ": " + vars + " variables for " + counted + " counted bytes, " + (vars / counted).toFixed(4) + " a counted byte");
  sdb.delete({ purge: true });
}
sdb.close();
sdb = undefined;
print("worst " + worst.toFixed(4) + " variables a counted byte (the memory port's scale is " + M.espruinoMemory().scale.toFixed(2) + " = " + (M.espruinoMemory().scale / process.memory().blocksize).toFixed(2) + " x blocksize)");

var S = require("Storage");
t0 = getTime();
for (i = 0; i < N; i++) S.writeJSON("j" + i, doc(i));
var wNew = rate(N, t0);
t0 = getTime();
for (i = 0; i < N; i++) S.writeJSON("j" + i, doc(i + 1));
var wOver = rate(N, t0);
t0 = getTime();
for (i = 0; i < N; i++) S.readJSON("j" + i);
var rj = rate(N, t0);
print("Storage: writeJSON new " + wNew + " ops/s, overwrite " + wOver + " ops/s, readJSON " + rj + " ops/s");
