/**
 * SmartLimiter expressions: `quota` and `condition` in Slime's template form
 * (`100/{{._base.pod}}`, `{{._base.cpu.sum}} > 0.8 * 1000`), parsed by our
 * own grammar and evaluated without eval. Unlike Slime (a Go template then an
 * integer calculator that turns 0.8 into 0 and rejects spaces), numbers are
 * real decimals and spaces are allowed anywhere between tokens.
 *
 *   expr    := or
 *   or      := and (("||" | "or") and)*
 *   and     := cmp (("&&" | "and") cmp)*
 *   cmp     := add (("<" | "<=" | ">" | ">=" | "==" | "!=") add)?
 *   add     := mul (("+" | "-") mul)*
 *   mul     := unary (("*" | "/" | "%") unary)*
 *   unary   := ("-" | "!" | "not") unary | primary
 *   primary := number | "true" | "false" | "{{" "." name ("." name)* "}}" | "(" expr ")"
 *
 * Values are numbers or booleans; mixing them is an error, as are division
 * by zero and unknown variables. Every error names the expression and the
 * (1-based) position. Pure; safe in the browser (the form validates live).
 */
export type Value = number | boolean;

export type Node =
  | { type: "num"; value: number; pos: number }
  | { type: "bool"; value: boolean; pos: number }
  | { type: "var"; name: string; pos: number }
  | { type: "unary"; op: "-" | "!"; arg: Node; pos: number }
  | { type: "binary"; op: string; left: Node; right: Node; pos: number };

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(expression)} at position ${position}: ${reason}`);
  }
}

interface Token {
  kind: "num" | "var" | "op" | "word" | "end";
  text: string;
  pos: number;
}

const OPS = ["||", "&&", "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")"];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (pos: number, reason: string): never => {
    throw new ExpressionError(src, pos + 1, reason);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith("{{", i)) {
      const end = src.indexOf("}}", i + 2);
      if (end < 0) fail(i, "'{{' is not closed by '}}'");
      const inner = src.slice(i + 2, end).trim();
      if (!/^\.[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(inner)) fail(i, `${JSON.stringify(`{{${src.slice(i + 2, end)}}}`)} is not a variable such as {{._base.pod}} or {{.v1.cpu.sum}}`);
      out.push({ kind: "var", text: inner.slice(1), pos: i + 1 });
      i = end + 2;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: "num", text: num[0], pos: i + 1 });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_]+/.exec(src.slice(i));
    if (word) {
      if (!["true", "false", "and", "or", "not"].includes(word[0])) fail(i, `unknown word ${JSON.stringify(word[0])} (variables are written {{._base.pod}}; words allowed: true, false, and, or, not)`);
      out.push({ kind: "word", text: word[0], pos: i + 1 });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) fail(i, `unexpected character ${JSON.stringify(c)}`);
    out.push({ kind: "op", text: op!, pos: i + 1 });
    i += op!.length;
  }
  out.push({ kind: "end", text: "", pos: src.length + 1 });
  return out;
}

/** Parses an expression; throws ExpressionError with the position of the problem. */
export const MAX_EXPRESSION_LENGTH = 1000;
const MAX_DEPTH = 64;

export function parseExpression(src: string): Node {
  if (src.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(src.slice(0, 40) + "…", MAX_EXPRESSION_LENGTH + 1, `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(src);
  let k = 0;
  let depth = 0;
  const peek = () => tokens[k]!;
  const fail = (t: Token, reason: string): never => {
    throw new ExpressionError(src, t.pos, reason);
  };
  const isOp = (...ops: string[]) => (peek().kind === "op" || peek().kind === "word") && ops.includes(peek().text);
  const describe = (t: Token) => (t.kind === "end" ? "the end" : JSON.stringify(t.text));

  const binaryLevel = (next: () => Node, ops: string[], normalise: (op: string) => string = (o) => o, once = false) => () => {
    let left = next();
    while (isOp(...ops)) {
      const t = tokens[k++]!;
      left = { type: "binary", op: normalise(t.text), left, right: next(), pos: t.pos };
      if (once && isOp(...ops)) fail(peek(), "comparisons cannot be chained; use 'and'");
    }
    return left;
  };
  const primary = (): Node => {
    const t = peek();
    if (t.kind === "num") {
      k++;
      return { type: "num", value: Number(t.text), pos: t.pos };
    }
    if (t.kind === "var") {
      k++;
      return { type: "var", name: t.text, pos: t.pos };
    }
    if (t.kind === "word" && (t.text === "true" || t.text === "false")) {
      k++;
      return { type: "bool", value: t.text === "true", pos: t.pos };
    }
    if (t.kind === "op" && t.text === "(") {
      k++;
      if (++depth > MAX_DEPTH) fail(t, `parentheses nested deeper than ${MAX_DEPTH}`);
      const inner = or();
      depth--;
      if (!isOp(")")) fail(peek(), `expected ')' to close the '(' at position ${t.pos}, found ${describe(peek())}`);
      k++;
      return inner;
    }
    return fail(t, `expected a number, a variable, true, false or '(', found ${describe(t)}`);
  };
  const unary = (): Node => {
    if (isOp("-", "!", "not")) {
      const t = tokens[k++]!;
      if (++depth > MAX_DEPTH) fail(t, `more than ${MAX_DEPTH} signs or nots in a row`);
      const arg = unary();
      depth--;
      return { type: "unary", op: t.text === "-" ? "-" : "!", arg, pos: t.pos };
    }
    return primary();
  };
  const mul = binaryLevel(unary, ["*", "/", "%"]);
  const add = binaryLevel(mul, ["+", "-"]);
  const cmp = binaryLevel(add, ["<", "<=", ">", ">=", "==", "!="], undefined, true);
  const and = binaryLevel(cmp, ["&&", "and"], () => "&&");
  const or = binaryLevel(and, ["||", "or"], () => "||");

  if (peek().kind === "end") fail(peek(), "the expression is empty");
  const node = or();
  if (peek().kind !== "end") fail(peek(), `unexpected ${describe(peek())} after a complete expression`);
  return node;
}

/** The variables an expression reads, e.g. ["_base.pod"]. */
export function variables(node: Node): string[] {
  const out = new Set<string>();
  const walk = (n: Node) => {
    if (n.type === "var") out.add(n.name);
    else if (n.type === "unary") walk(n.arg);
    else if (n.type === "binary") {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(node);
  return [...out].sort();
}

/** Evaluates a parsed expression against metric values ("_base.pod" -> 3). */
export function evaluate(src: string, node: Node, vars: Record<string, number | undefined>): Value {
  const fail = (n: Node, reason: string): never => {
    throw new ExpressionError(src, n.pos, reason);
  };
  const num = (n: Node, v: Value, what: string): number => (typeof v === "number" ? v : fail(n, `${what} needs a number, got ${v}`));
  const bool = (n: Node, v: Value, what: string): boolean => (typeof v === "boolean" ? v : fail(n, `${what} needs true or false, got the number ${v}`));
  const ev = (n: Node): Value => {
    switch (n.type) {
      case "num":
      case "bool":
        return n.value;
      case "var": {
        const v = vars[n.name];
        if (v === undefined) {
          const known = Object.keys(vars).sort();
          return fail(n, `unknown variable {{.${n.name}}}${known.length ? `; known: ${known.map((x) => `{{.${x}}}`).join(", ")}` : ""}`);
        }
        if (!Number.isFinite(v)) return fail(n, `{{.${n.name}}} has no value now (${v})`);
        return v;
      }
      case "unary": {
        const v = ev(n.arg);
        return n.op === "-" ? -num(n, v, "'-'") : !bool(n, v, "'not'");
      }
      case "binary": {
        if (n.op === "&&" || n.op === "||") {
          const l = bool(n, ev(n.left), `'${n.op}'`);
          if (n.op === "&&" ? !l : l) return l;
          return bool(n, ev(n.right), `'${n.op}'`);
        }
        const lv = ev(n.left);
        const rv = ev(n.right);
        if (n.op === "==" || n.op === "!=") {
          if (typeof lv !== typeof rv) fail(n, `'${n.op}' compares ${typeof lv} with ${typeof rv}`);
          return n.op === "==" ? lv === rv : lv !== rv;
        }
        const l = num(n, lv, `'${n.op}'`);
        const r = num(n, rv, `'${n.op}'`);
        switch (n.op) {
          case "+":
            return l + r;
          case "-":
            return l - r;
          case "*":
            return l * r;
          case "/":
            return r === 0 ? fail(n, "division by zero") : l / r;
          case "%":
            return r === 0 ? fail(n, "division by zero") : l % r;
          case "<":
            return l < r;
          case "<=":
            return l <= r;
          case ">":
            return l > r;
          default:
            return l >= r;
        }
      }
    }
  };
  return ev(node);
}

/** Parses and evaluates in one step. */
export function evaluateExpression(src: string, vars: Record<string, number | undefined>): Value {
  return evaluate(src, parseExpression(src), vars);
}
