import { describe, expect, it } from 'vitest';
import { CsvExporter, JsonExporter, JsonLinesExporter, parseCsvHeader, type ItemExporter } from '../../src/feeds/index.js';

function run(exporter: ItemExporter, items: Record<string, unknown>[]): string {
  return exporter.start() + items.map((item) => exporter.exportItem(item)).join('') + exporter.finish();
}

describe('JsonLinesExporter', () => {
  it('writes one JSON object per line, newlines inside values escaped', () => {
    const items = [{ title: '吾輩は猫である', note: 'a\nb' }, { title: 'x', n: 1 }];
    const text = run(new JsonLinesExporter(), items);
    expect(text).toBe('{"title":"吾輩は猫である","note":"a\\nb"}\n{"title":"x","n":1}\n');
    expect(text.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(items);
  });

  it('selects and orders fields, omitting missing ones', () => {
    expect(run(new JsonLinesExporter({ fields: ['b', 'a', 'z'] }), [{ a: 1, b: 2, c: 3 }])).toBe('{"b":2,"a":1}\n');
  });

  it('reports unencodable items with a clear error', () => {
    expect(() => new JsonLinesExporter().exportItem({ n: 1n })).toThrow(/cannot encode item as JSON/);
  });
});

describe('JsonExporter', () => {
  it('writes a JSON array with the documented layout', () => {
    const text = run(new JsonExporter(), [{ a: 1 }, { a: '二' }]);
    expect(text).toBe('[\n{"a":1},\n{"a":"二"}\n]\n');
    expect(JSON.parse(text)).toEqual([{ a: 1 }, { a: '二' }]);
  });

  it('writes [] for zero items', () => {
    const text = run(new JsonExporter(), []);
    expect(text).toBe('[]\n');
    expect(JSON.parse(text)).toEqual([]);
  });

  it('indents items without touching U+2028 inside strings', () => {
    const items = [{ a: { b: 'x\u2028y' } }, { c: [1] }];
    const text = run(new JsonExporter({ indent: 2 }), items);
    expect(text.startsWith('[\n  {\n    "a": {\n      "b": "x\u2028y"\n    }\n  },\n  {\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(items);
  });
});

describe('CsvExporter', () => {
  it('quotes commas, quotes and newlines; JSON-encodes nested values', () => {
    const items = [
      { id: 1, title: 'Hello, "world"', body: 'line1\nline2', tags: ['a', 'b'], meta: { k: 'v' } },
      { id: 2, title: '日本語テキスト', body: null, tags: [], meta: true },
    ];
    expect(run(new CsvExporter(), items)).toBe(
      'id,title,body,tags,meta\n' +
        '1,"Hello, ""world""","line1\nline2","[""a"",""b""]","{""k"":""v""}"\n' +
        '2,日本語テキスト,,[],true\n',
    );
  });

  it('uses fields for the header (even with zero items) and their order', () => {
    const exporter = new CsvExporter({ fields: ['b', 'a'] });
    expect(run(exporter, [])).toBe('b,a\n');
    expect(run(new CsvExporter({ fields: ['b', 'a'] }), [{ a: 1, b: 2, c: 3 }, { a: 4 }])).toBe('b,a\n2,1\n,4\n');
  });

  it('ignores keys missing from the first item and warns once', () => {
    const exporter = new CsvExporter();
    const text = run(exporter, [{ a: 1 }, { a: 2, extra: 'x' }, { a: 3, other: 'y' }]);
    expect(text).toBe('a\n1\n2\n3\n');
    expect(exporter.warnings).toHaveLength(1);
    expect(exporter.warnings[0]).toContain('extra');
  });

  it('does not warn about keys excluded by explicit fields', () => {
    const exporter = new CsvExporter({ fields: ['a'] });
    run(exporter, [{ a: 1, b: 2 }]);
    expect(exporter.warnings).toEqual([]);
  });

  it('can omit the header (appending)', () => {
    expect(run(new CsvExporter({ includeHeader: false }), [{ a: 1 }])).toBe('1\n');
  });

  it('parseCsvHeader reads quoted header cells, BOM and CRLF', () => {
    expect(parseCsvHeader('\uFEFFid,"a,b","say ""hi""",名前\r')).toEqual(['id', 'a,b', 'say "hi"', '名前']);
  });
});
