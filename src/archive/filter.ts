/**
 * Row filter expressions (the CLI's `--where`), compiled by a tiny recursive-descent parser into
 * a closure. No eval, no `new Function`.
 *
 * Grammar:
 *   expr       := or
 *   or         := and ( '||' and )*
 *   and        := unary ( '&&' unary )*
 *   unary      := '!' unary | '(' expr ')' | comparison
 *   comparison := operand ( '==' | '!=' | '>=' | '<=' | '>' | '<' ) operand
 *   operand    := column | number | 'single-quoted string'
 *   column     := identifier ([A-Za-z_ or any letter] followed by letters, digits, '_', '.')
 *               | "double-quoted column name" (for names with spaces or symbols)
 *
 * Strings use `\'` / `\\` escapes or a doubled `''`. A comparison compares numerically when both
 * sides parse as finite numbers (e.g. `date >= 20171224` against "20171225"), else as strings
 * (code-unit order). A column not in the header is an Error naming it and listing the header.
 */

export type RowPredicate = (row: Record<string, string>) => boolean;

/** A compiled `where`: the predicate, and the columns it reads (so callers can parse only those). */
export type CompiledWhere = RowPredicate & { readonly columns: readonly string[] };

type CompareOp = '==' | '!=' | '>=' | '<=' | '>' | '<';

type Token =
  | { kind: 'op'; value: CompareOp | '&&' | '||' | '!' | '(' | ')'; pos: number }
  | { kind: 'column'; value: string; pos: number }
  | { kind: 'number'; value: string; pos: number }
  | { kind: 'string'; value: string; pos: number };

type Operand = { kind: 'column'; name: string } | { kind: 'literal'; text: string; num: number | null };

type Node =
  | { kind: 'cmp'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'not'; expr: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node };

function syntaxError(expression: string, pos: number, message: string): Error {
  return new Error(`invalid where expression at position ${pos + 1}: ${message}\n  ${expression}\n  ${' '.repeat(pos)}^`);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=' || two === '>=' || two === '<=') {
      tokens.push({ kind: 'op', value: two, pos: i });
      i += 2;
      continue;
    }
    if (c === '>' || c === '<' || c === '!' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', value: c, pos: i });
      i++;
      continue;
    }
    if (c === '=') throw syntaxError(src, i, "use '==' for equality");
    if (c === '&' || c === '|') throw syntaxError(src, i, `use '${c}${c}'`);
    if (c === "'" || c === '"') {
      const start = i;
      let out = '';
      i++;
      for (;;) {
        if (i >= src.length) throw syntaxError(src, start, `unterminated ${c === "'" ? 'string' : 'quoted column name'}`);
        const d = src[i]!;
        if (d === '\\' && i + 1 < src.length) {
          out += src[i + 1]!;
          i += 2;
        } else if (d === c && src[i + 1] === c) {
          out += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          out += d;
          i++;
        }
      }
      tokens.push(c === "'" ? { kind: 'string', value: out, pos: start } : { kind: 'column', value: out, pos: start });
      continue;
    }
    const num = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ kind: 'number', value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[\p{L}_][\p{L}\p{N}_.]*/u.exec(src.slice(i));
    if (ident) {
      tokens.push({ kind: 'column', value: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    throw syntaxError(src, i, `unexpected character '${c}'`);
  }
  return tokens;
}

function asNumber(s: string): number | null {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) throw syntaxError(this.src, 0, 'empty expression');
    const node = this.parseOr();
    const extra = this.tokens[this.i];
    if (extra) throw syntaxError(this.src, extra.pos, `unexpected '${extra.value}'`);
    return node;
  }

  private peekOp(value: string): boolean {
    const t = this.tokens[this.i];
    return t !== undefined && t.kind === 'op' && t.value === value;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.peekOp('||')) {
      this.i++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.peekOp('&&')) {
      this.i++;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.peekOp('!')) {
      this.i++;
      return { kind: 'not', expr: this.parseUnary() };
    }
    if (this.peekOp('(')) {
      const open = this.tokens[this.i]!;
      this.i++;
      const inner = this.parseOr();
      if (!this.peekOp(')')) throw syntaxError(this.src, this.tokens[this.i]?.pos ?? this.src.length, `missing ')' for '(' at position ${open.pos + 1}`);
      this.i++;
      return inner;
    }
    const left = this.parseOperand();
    const t = this.tokens[this.i];
    if (!t || t.kind !== 'op' || !['==', '!=', '>=', '<=', '>', '<'].includes(t.value)) {
      throw syntaxError(this.src, t?.pos ?? this.src.length, 'expected a comparison operator (== != >= <= > <)');
    }
    this.i++;
    const right = this.parseOperand();
    return { kind: 'cmp', op: t.value as CompareOp, left, right };
  }

  private parseOperand(): Operand {
    const t = this.tokens[this.i];
    if (!t) throw syntaxError(this.src, this.src.length, 'unexpected end of expression');
    this.i++;
    if (t.kind === 'column') return { kind: 'column', name: t.value };
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'literal', text: t.value, num: asNumber(t.value) };
    throw syntaxError(this.src, t.pos, `expected a column, number or 'string', got '${t.value}'`);
  }
}

function compare(op: CompareOp, a: string, an: number | null, b: string, bn: number | null): boolean {
  let c: number;
  if (an !== null && bn !== null) c = an < bn ? -1 : an > bn ? 1 : 0;
  else c = a < b ? -1 : a > b ? 1 : 0;
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
  }
}

function compileOperand(op: Operand): { text: (row: Record<string, string>) => string; num: (text: string) => number | null } {
  if (op.kind === 'literal') {
    const { text, num } = op;
    return { text: () => text, num: () => num };
  }
  const name = op.name;
  return { text: (row) => row[name] ?? '', num: asNumber };
}

function compileNode(node: Node): RowPredicate {
  switch (node.kind) {
    case 'cmp': {
      const l = compileOperand(node.left);
      const r = compileOperand(node.right);
      const op = node.op;
      return (row) => {
        const a = l.text(row);
        const b = r.text(row);
        return compare(op, a, l.num(a), b, r.num(b));
      };
    }
    case 'not': {
      const inner = compileNode(node.expr);
      return (row) => !inner(row);
    }
    case 'and': {
      const a = compileNode(node.left);
      const b = compileNode(node.right);
      return (row) => a(row) && b(row);
    }
    case 'or': {
      const a = compileNode(node.left);
      const b = compileNode(node.right);
      return (row) => a(row) || b(row);
    }
  }
}

function checkColumns(node: Node, header: readonly string[]): void {
  const check = (op: Operand): void => {
    if (op.kind === 'column' && !header.includes(op.name)) {
      throw new Error(`where: unknown column "${op.name}" (columns: ${header.map((h) => JSON.stringify(h)).join(', ')})`);
    }
  };
  if (node.kind === 'cmp') {
    check(node.left);
    check(node.right);
  } else if (node.kind === 'not') checkColumns(node.expr, header);
  else {
    checkColumns(node.left, header);
    checkColumns(node.right, header);
  }
}

function columnsOf(node: Node, into: Set<string>): Set<string> {
  if (node.kind === 'cmp') {
    for (const op of [node.left, node.right]) if (op.kind === 'column') into.add(op.name);
  } else if (node.kind === 'not') columnsOf(node.expr, into);
  else {
    columnsOf(node.left, into);
    columnsOf(node.right, into);
  }
  return into;
}

/** Compiles a `--where` expression against a header into a row predicate. Throws on syntax errors and unknown columns. */
export function compileWhere(expression: string, header: readonly string[]): CompiledWhere {
  const ast = new Parser(expression, tokenize(expression)).parse();
  checkColumns(ast, header);
  return Object.assign(compileNode(ast), { columns: [...columnsOf(ast, new Set())] });
}
