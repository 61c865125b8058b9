// CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial and final value 0xFFFFFFFF), as
// zlib and Espruino's E.CRC32 compute it (littlefs's has no final XOR): crc32("123456789") = 0xCBF43926.
// Kept in the core so that every runtime checks the same bits on flash. Values stay unsigned
// 32-bit numbers; shifts and masks are divisions and remainders.

import { bxor } from "./bits";

let table: number[] | undefined;

function makeTable(): number[] {
  const t: number[] = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c % 2 === 1 ? bxor(Math.floor(c / 2), 0xedb88320) : Math.floor(c / 2);
    }
    t.push(c);
  }
  return t;
}

/** The CRC of the bytes of `s`, an unsigned 32-bit value. (No running CRC: Espruino's E.CRC32 has none.) */
export function crc32(s: string): number {
  if (table === undefined) table = makeTable();
  const t = table;
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    c = bxor(t[bxor(c % 256, s.charCodeAt(i))], Math.floor(c / 256));
  }
  return bxor(c, 0xffffffff);
}
