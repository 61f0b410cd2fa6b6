// A step's `when` condition: a small expression over the run input and earlier steps' outputs,
// parsed into a tree and evaluated without eval. Grammar (loosest first):
//   or  := and (('||' | 'or') and)*        and := not (('&&' | 'and') not)*
//   not := ('!' | 'not') not | cmp         cmp := value (('==' | '!=' | '>' | '>=' | '<' | '<=') value)?
//   value := number | 'string' | "string" | true | false | null | {{input.x}} | {{steps.<id>.output.y}} | '(' or ')'
// A reference to something missing reads as null. `==` compares JSON values; the orderings compare
// two numbers or two strings and are false otherwise. A bare value is tested for truthiness
// (false, null, 0, "" and missing are false).

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'ref'; path: string }
  | { kind: 'not'; expr: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'cmp'; op: CmpOp; left: Expr; right: Expr };
type CmpOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export class ConditionSyntaxError extends Error {
  constructor(readonly source: string, detail: string) {
    super(`condition "${source}": ${detail}`);
    this.name = 'ConditionSyntaxError';
  }
}

type Token = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'ref'; v: string } | { t: 'op'; v: string } | { t: 'word'; v: string };

const MAX_LENGTH = 1000;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (detail: string) => new ConditionSyntaxError(src, detail);
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith('{{', i)) {
      const end = src.indexOf('}}', i + 2);
      if (end < 0) throw fail(`unclosed {{ at ${i}`);
      const path = src.slice(i + 2, end).trim();
      if (!/^[A-Za-z0-9_.:-]+$/.test(path)) throw fail(`bad reference "{{${path}}}"`);
      tokens.push({ t: 'ref', v: path });
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw fail(`unclosed string at ${i}`);
      tokens.push({ t: 'str', v: text });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' || tokens.length === 0 || tokens[tokens.length - 1]!.t === 'op')) {
      tokens.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const op = /^(==|!=|>=|<=|&&|\|\||[><!()])/.exec(src.slice(i));
    if (op) {
      tokens.push({ t: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    const word = /^[A-Za-z_]+/.exec(src.slice(i));
    if (word) {
      tokens.push({ t: 'word', v: word[0] });
      i += word[0].length;
      continue;
    }
    throw fail(`unexpected "${c}" at ${i}`);
  }
  return tokens;
}

/** Parses a condition; throws ConditionSyntaxError naming what is wrong. */
export function parseCondition(src: string): Expr {
  if (src.length > MAX_LENGTH) throw new ConditionSyntaxError(src.slice(0, 40) + '…', `longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(src);
  let pos = 0;
  const fail = (detail: string) => new ConditionSyntaxError(src, detail);
  const peek = () => tokens[pos];
  const isOp = (...ops: string[]) => {
    const tok = peek();
    return tok !== undefined && ((tok.t === 'op' && ops.includes(tok.v)) || (tok.t === 'word' && ops.includes(tok.v)));
  };

  function or(): Expr {
    let left = and();
    while (isOp('||', 'or')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  }
  function and(): Expr {
    let left = not();
    while (isOp('&&', 'and')) {
      pos++;
      left = { kind: 'and', left, right: not() };
    }
    return left;
  }
  function not(): Expr {
    if (isOp('!', 'not')) {
      pos++;
      return { kind: 'not', expr: not() };
    }
    return cmp();
  }
  function cmp(): Expr {
    const left = value();
    if (isOp('==', '!=', '>', '>=', '<', '<=')) {
      const op = (tokens[pos++] as { v: CmpOp }).v;
      return { kind: 'cmp', op, left, right: value() };
    }
    return left;
  }
  function value(): Expr {
    const tok = tokens[pos++];
    if (!tok) throw fail('ends too early');
    switch (tok.t) {
      case 'num':
      case 'str':
        return { kind: 'literal', value: tok.v };
      case 'ref':
        return { kind: 'ref', path: tok.v };
      case 'word':
        if (tok.v === 'true') return { kind: 'literal', value: true };
        if (tok.v === 'false') return { kind: 'literal', value: false };
        if (tok.v === 'null') return { kind: 'literal', value: null };
        throw fail(`unknown word "${tok.v}" (write references as {{input.x}} or {{steps.<id>.output.y}})`);
      case 'op':
        if (tok.v === '(') {
          const inner = or();
          if (!isOp(')')) throw fail('missing )');
          pos++;
          return inner;
        }
        throw fail(`unexpected "${tok.v}"`);
    }
  }

  const expr = or();
  if (pos < tokens.length) throw fail(`unexpected "${String(tokens[pos]!.v)}" after the expression`);
  return expr;
}

/** The dotted paths a condition reads (for validation against the definition). */
export function conditionRefs(expr: Expr): string[] {
  switch (expr.kind) {
    case 'literal':
      return [];
    case 'ref':
      return [expr.path];
    case 'not':
      return conditionRefs(expr.expr);
    default:
      return [...conditionRefs(expr.left), ...conditionRefs(expr.right)];
  }
}

const truthy = (v: unknown) => !(v === false || v === null || v === undefined || v === 0 || v === '');

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(op: CmpOp, a: unknown, b: unknown): boolean {
  if (op === '==') return jsonEqual(a, b);
  if (op === '!=') return !jsonEqual(a, b);
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '>' ? x > y : op === '>=' ? x >= y : op === '<' ? x < y : x <= y;
}

function evaluate(expr: Expr, read: (path: string) => unknown): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'ref':
      return read(expr.path) ?? null;
    case 'not':
      return !truthy(evaluate(expr.expr, read));
    case 'and':
      return truthy(evaluate(expr.left, read)) && truthy(evaluate(expr.right, read));
    case 'or':
      return truthy(evaluate(expr.left, read)) || truthy(evaluate(expr.right, read));
    case 'cmp':
      return compare(expr.op, evaluate(expr.left, read), evaluate(expr.right, read));
  }
}

/** Whether the condition holds, reading references through `read` (missing → null). */
export function conditionHolds(expr: Expr, read: (path: string) => unknown): boolean {
  return truthy(evaluate(expr, read));
}
