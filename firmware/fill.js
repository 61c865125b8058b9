// Fill a database until the RAM budget refuses a write (E_BUDGET), with the platform's own memory
// port (free variables, Memory.scale), and show that the interpreter still has memory to spare.
//   npm run test:device -- --bin /work/espruino-bin/espruino-2630 --build full --script firmware/fill.js
// Plain JavaScript for Espruino; tools/device.ts has stored the module as "motedb" in Storage.
var M = require("motedb");
var pct = typeof FILL_PERCENT === "undefined" ? 15 : FILL_PERCENT;
function mem() { return process.memory(); }
print("module loaded: " + mem().usage + " of " + mem().total + " variables used, " + mem().free + " free");
var db = new M.MoteDB({ ttlCheckInterval: 3600, ramPercentage: pct });
var free0 = mem().free;
print("database open (ramPercentage " + pct + "): budget " + db.stats().budgetBytes + " bytes, " + free0 + " variables free");
var n = 0;
var code = "";
for (;;) {
  try {
    db.put("s" + (1000 + n), { t: 20 + (n % 10) / 4, h: 40 + (n % 7), id: n }, 0, ["room", "t"]);
    n++;
  } catch (e) {
    code = M.errorCode(e);
    break;
  }
}
var s = db.stats();
var free1 = mem().free;
print("refused record " + (n + 1) + " with " + code + ": " + n + " records, " + s.usedBytes + " of " + s.budgetBytes + " bytes counted");
print("they take " + (free0 - free1) + " variables (" + ((free0 - free1) / n).toFixed(1) + " a record); " + free1 + " variables still free");
var got = db.get("s1000");
print("still working: get " + (got !== undefined && got.id === 0 ? "ok" : "FAIL") + ", keys " + db.keys().length + ", free " + mem().free);
db.close();
print(code === "E_BUDGET" && free1 > 0 ? "fill ok" : "fill FAIL");
