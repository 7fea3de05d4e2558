import { describe, expect, it } from 'vitest';
import { compileWhere } from '../../src/archive/filter.js';

const header = ['date', 'name', 'amount', 'shop name'];
const row = (date: string, name = 'x', amount = '0'): Record<string, string> => ({ date, name, amount, 'shop name': 'A店' });

describe('compileWhere', () => {
  it('range on dates compares numerically', () => {
    const f = compileWhere('date >= 20171224 && date <= 20171225', header);
    expect(['20171223', '20171224', '20171225', '20171226', '99'].map((d) => f(row(d)))).toEqual([false, true, true, false, false]);
  });
  it('all comparison operators', () => {
    const r = row('5');
    expect(compileWhere('date == 5', header)(r)).toBe(true);
    expect(compileWhere('date == 5.0', header)(r)).toBe(true);
    expect(compileWhere('date != 5', header)(r)).toBe(false);
    expect(compileWhere('date > 4', header)(r)).toBe(true);
    expect(compileWhere('date < 4', header)(r)).toBe(false);
    expect(compileWhere('date >= 5', header)(r)).toBe(true);
    expect(compileWhere('date <= 4.5', header)(r)).toBe(false);
    expect(compileWhere('5 == date', header)(r)).toBe(true);
    expect(compileWhere('10 > date', header)(r)).toBe(true);
  });
  it('numeric when both sides are numbers, string otherwise', () => {
    expect(compileWhere('amount > 9', header)(row('1', 'x', '10'))).toBe(true);
    expect(compileWhere("name > 'b'", header)(row('1', 'c'))).toBe(true);
    expect(compileWhere("name < 'b'", header)(row('1', 'c'))).toBe(false);
    expect(compileWhere('amount > 9', header)(row('1', 'x', 'abc'))).toBe(true); // 'abc' > '9' as strings
    expect(compileWhere('amount == 0', header)(row('1', 'x', ''))).toBe(false); // empty is not a number
    expect(compileWhere("amount == ''", header)(row('1', 'x', ''))).toBe(true);
  });
  it('strings: quotes, escapes, Japanese', () => {
    expect(compileWhere("name == '東京'", header)(row('1', '東京'))).toBe(true);
    expect(compileWhere("name == 'it''s'", header)(row('1', "it's"))).toBe(true);
    expect(compileWhere("name == 'it\\'s'", header)(row('1', "it's"))).toBe(true);
    expect(compileWhere('"shop name" == \'A店\'', header)(row('1'))).toBe(true);
  });
  it('&&, ||, ! and parentheses with the usual precedence', () => {
    const f = compileWhere("name == 'a' || name == 'b' && amount > 5", header);
    expect(f(row('1', 'a', '0'))).toBe(true);
    expect(f(row('1', 'b', '0'))).toBe(false);
    expect(f(row('1', 'b', '6'))).toBe(true);
    const g = compileWhere("(name == 'a' || name == 'b') && amount > 5", header);
    expect(g(row('1', 'a', '0'))).toBe(false);
    expect(g(row('1', 'a', '9'))).toBe(true);
    const h = compileWhere("!(name == 'a') && !!(amount >= 1)", header);
    expect(h(row('1', 'a', '3'))).toBe(false);
    expect(h(row('1', 'b', '3'))).toBe(true);
    expect(h(row('1', 'b', '0'))).toBe(false);
  });
  it('unknown column names it and lists the header', () => {
    expect(() => compileWhere('dat >= 1', header)).toThrow(/unknown column "dat".*"date", "name", "amount", "shop name"/);
  });
  it('syntax errors point at the position', () => {
    expect(() => compileWhere('date = 1', header)).toThrow(/position 6: use '=='/);
    expect(() => compileWhere('date >= 1 &', header)).toThrow(/use '&&'/);
    expect(() => compileWhere('(date >= 1', header)).toThrow(/missing '\)'/);
    expect(() => compileWhere('date', header)).toThrow(/expected a comparison operator/);
    expect(() => compileWhere('date >=', header)).toThrow(/unexpected end/);
    expect(() => compileWhere('', header)).toThrow(/empty expression/);
    expect(() => compileWhere("name == 'abc", header)).toThrow(/unterminated string/);
    expect(() => compileWhere('date >= 1 date', header)).toThrow(/unexpected 'date'/);
    expect(() => compileWhere('date >= 1; process.exit()', header)).toThrow(/unexpected character ';'/);
  });
  it('does not evaluate code', () => {
    expect(() => compileWhere('constructor == 1', header)).toThrow(/unknown column "constructor"/);
  });
});
