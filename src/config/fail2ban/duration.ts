/**
 * fail2ban's MyTime.str2seconds: `10m`, `1h 30m`, `1d12h`, `2w`, `1mo`,
 * `-1`, `1year-6mo` to seconds. fail2ban rewrites the units into `*seconds`
 * factors and evaluates the result as a Python expression; the evaluation
 * here accepts the arithmetic such an expression can hold (numbers, + - * /
 * // % **, parentheses) and nothing else.
 */

const PREP = /(?<=[a-z])(\d)/gi;
const FINI = /(\d)\s+(\d)/g;
const part = (units: string) => new RegExp(`(?<=[\\d\\s])(${units})\\b`, 'gi');
// fail2ban's factors, in its order; months and years are Python floats.
const PARTS: [RegExp, string][] = [
  [part('days?|da|dd?'), `*${24 * 60 * 60}`],
  [part('weeks?|wee?|ww?'), `*${7 * 24 * 60 * 60}`],
  [part('months?|mon?'), `*${((365 * 3 + 366) * 24 * 60 * 60) / 4 / 12}.0`],
  [part('years?|yea?|yy?'), `*${((365 * 3 + 366) * 24 * 60 * 60) / 4}.0`],
  [part('seconds?|sec?|ss?'), '*1'],
  [part('minutes?|min?|mm?'), '*60'],
  [part('hours?|hou?|hh?'), `*${60 * 60}`],
];

/** The Python expression fail2ban evaluates for a duration. */
export function durationExpression(value: string): string {
  let v = value.replace(PREP, ' $1');
  for (const [re, repl] of PARTS) v = v.replace(re, repl);
  return v.replace(FINI, '$1+$2');
}

type Token = { kind: 'num'; value: number } | { kind: 'op'; value: string };

function tokenize(expr: string): Token[] | null {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(\*\*|\/\/|[-+*/%()]))/y;
  let i = 0;
  while (i < expr.length) {
    if (/^\s*$/.test(expr.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(expr);
    if (!m) return null;
    if (m[1] !== undefined) {
      // Python 3 refuses decimal integers with leading zeros (010), not 0 or 00.
      if (/^0+[1-9]\d*$/.test(m[1])) return null;
      tokens.push({ kind: 'num', value: Number(m[1]) });
    } else tokens.push({ kind: 'op', value: m[2]! });
    i = re.lastIndex;
  }
  return tokens;
}

/** Python's arithmetic on the tokens: ** binds tighter than unary minus, which binds tighter than * / // %. */
function evaluate(tokens: Token[]): number | null {
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => {
    const t = peek();
    return t?.kind === 'op' && t.value === v;
  };
  const atom = (): number | null => {
    const t = tokens[pos++];
    if (!t) return null;
    if (t.kind === 'num') return t.value;
    if (t.value === '(') {
      const v = sum();
      if (v === null || !isOp(')')) return null;
      pos++;
      return v;
    }
    return null;
  };
  const power = (): number | null => {
    const base = atom();
    if (base === null) return null;
    if (isOp('**')) {
      pos++;
      const exp = unary();
      return exp === null ? null : base ** exp;
    }
    return base;
  };
  const unary = (): number | null => {
    if (isOp('-') || isOp('+')) {
      const neg = peek()!.value === '-';
      pos++;
      const v = unary();
      return v === null ? null : neg ? -v : v;
    }
    return power();
  };
  const product = (): number | null => {
    let v = unary();
    while (v !== null && (isOp('*') || isOp('/') || isOp('//') || isOp('%'))) {
      const op = tokens[pos++]!.value;
      const r = unary();
      if (r === null) return null;
      if ((op === '/' || op === '//' || op === '%') && r === 0) return null;
      if (op === '*') v *= r;
      else if (op === '/') v /= r;
      else if (op === '//') v = Math.floor(v / r);
      else v = v - r * Math.floor(v / r);
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (v !== null && (isOp('+') || isOp('-'))) {
      const op = tokens[pos++]!.value;
      const r = product();
      if (r === null) return null;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return v !== null && pos === tokens.length ? v : null;
}

/** Seconds for a fail2ban duration, or null when fail2ban's server would reject it. */
export function str2seconds(value: string): number | null {
  const tokens = tokenize(durationExpression(value));
  if (!tokens || tokens.length === 0) return null;
  const v = evaluate(tokens);
  return v !== null && Number.isFinite(v) ? v : null;
}
