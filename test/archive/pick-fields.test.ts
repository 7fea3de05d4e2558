import { describe, expect, it } from 'vitest';
import { parseRecordFields, pickFields } from '../../src/archive/fields.js';

const decode = (b: Buffer) => b.toString('utf8');

describe('pickFields', () => {
  const records = [
    'a,b,c\r\n',
    '1,"x, y",3\n',
    '"say ""hi""",2,"multi\r\nline"\r\n',
    '"",,\n',
    'only',
    '"東京, 都",大阪,𠮷\n',
    '"quoted"tail,b,c\n',
    ',,,\n',
    '"unclosed,b\n',
    'x,' + 'y'.repeat(100) + ',z\n',
  ];
  it('agrees with parseRecordFields on every field, picked one by one or all together', () => {
    for (const record of records) {
      const bytes = Buffer.from(`junk${record}junk`);
      const [start, end] = [4, 4 + Buffer.byteLength(record)];
      const full = parseRecordFields(record);
      for (let i = 0; i < 5; i++) {
        const wanted = Array.from({ length: i + 1 }, (_, k) => k === i);
        expect(pickFields(bytes, start, end, wanted, decode)[i], `${JSON.stringify(record)} field ${i}`).toBe(full[i] ?? '');
      }
      const all = pickFields(bytes, start, end, [true, true, true, true], decode);
      expect(all.slice(0, full.length)).toEqual(full.slice(0, 4));
    }
  });

  it('leaves unwanted fields undefined', () => {
    const bytes = Buffer.from('1,2,3\n');
    expect(pickFields(bytes, 0, bytes.length, [false, true], decode)).toEqual([undefined, '2']);
  });
});
