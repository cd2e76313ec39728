/**
 * configparser's `%(name)s` interpolation as fail2ban extends it: every
 * level knows `%(__name__)s` (the section being read), and `%(section/option)s`,
 * `%(known/option)s` (the value the option had before the file that redefines
 * it) and `%(default/option)s` are mapped before the names are looked up.
 */
import { ConfigParseError, type ConfigSource } from '../source.js';

/** A value as the parser holds it: Python's None is null; `source` is null for values fail2ban adds itself. */
export interface Fail2banValue {
  value: string | null;
  source: ConfigSource | null;
}

/** What the interpolation needs from the parser. */
export interface InterpolationScope {
  section(name: string): Map<string, Fail2banValue> | undefined;
  defaults(): Map<string, Fail2banValue>;
}

/** configparser's MAX_INTERPOLATION_DEPTH. */
export const MAX_INTERPOLATION_DEPTH = 10;

const KEY = /^%\(([^)]+)\)s/;
const SECTION_OPTION = /%\(([\w-]+\/([^)]+))\)s/g;

/** fail2ban's _map_section_options: adds `sec/opt`, `known/opt`, `default/opt` names used in `rest` to `map`. */
function mapSectionOptions(
  scope: InterpolationScope,
  section: string,
  rest: string,
  map: Map<string, Fail2banValue>,
): void {
  if (!rest.includes('/') || !rest.includes('%(')) return;
  for (const m of rest.matchAll(SECTION_OPTION)) {
    const sopt = m[1]!;
    const opt = m[2]!;
    if (map.has(sopt)) continue;
    const sec = sopt.slice(0, sopt.length - opt.length - 1);
    const lower = sec.toLowerCase();
    let v: Fail2banValue | undefined;
    if (lower === 'known') {
      v = scope.section(`KNOWN/${section}`)?.get(opt);
    } else if (lower !== 'default') {
      const s = scope.section(sec);
      // An unknown section leaves the name unmapped.
      if (!s) continue;
      v = s.get(opt);
    }
    v ??= scope.defaults().get(opt);
    if (v === undefined) continue;
    map.set(sopt, v);
  }
}

export interface InterpolationContext {
  scope: InterpolationScope;
  section: string;
  option: string;
  /** Where the option being read is written, for the error. */
  source: ConfigSource;
}

function fail(ctx: InterpolationContext, problem: string): never {
  throw new ConfigParseError(ctx.source.file, ctx.source.line, `[${ctx.section}] ${ctx.option}: ${problem}`);
}

function interpolateSome(
  ctx: InterpolationContext,
  accum: string[],
  start: string,
  outer: Map<string, Fail2banValue>,
  depth: number,
): void {
  const map = new Map(outer);
  map.set('__name__', { value: ctx.section, source: null });
  mapSectionOptions(ctx.scope, ctx.section, start, map);
  if (depth > MAX_INTERPOLATION_DEPTH)
    fail(
      ctx,
      `interpolation loop: the %(...)s references do not resolve within ${MAX_INTERPOLATION_DEPTH} steps (fail2ban refuses the configuration)`,
    );
  let rest = start;
  while (rest !== '') {
    const p = rest.indexOf('%');
    if (p < 0) {
      accum.push(rest);
      return;
    }
    if (p > 0) {
      accum.push(rest.slice(0, p));
      rest = rest.slice(p);
    }
    const c = rest.slice(1, 2);
    if (c === '%') {
      accum.push('%');
      rest = rest.slice(2);
    } else if (c === '(') {
      const m = KEY.exec(rest);
      if (!m) fail(ctx, `bad interpolation reference ${JSON.stringify(rest.slice(0, 40))}`);
      const name = m[1]!.toLowerCase();
      rest = rest.slice(m[0].length);
      const v = map.get(name);
      if (v === undefined)
        fail(
          ctx,
          `%(${m[1]})s names no option of [${ctx.section}] or [DEFAULT] (fail2ban refuses the configuration)`,
        );
      if (v.value === null) fail(ctx, `%(${m[1]})s has no value`);
      if (v.value.includes('%')) interpolateSome(ctx, accum, v.value, map, depth + 1);
      else accum.push(v.value);
    } else {
      fail(
        ctx,
        `"%" must be followed by "%" or "(" (write %% for a literal %): ${JSON.stringify(rest.slice(0, 40))}`,
      );
    }
  }
}

/** BasicInterpolation.before_get with fail2ban's additions; `map` holds vars, the section and [DEFAULT] merged. */
export function interpolate(
  ctx: InterpolationContext,
  value: string,
  map: Map<string, Fail2banValue>,
): string {
  const accum: string[] = [];
  interpolateSome(ctx, accum, value, map, 1);
  return accum.join('');
}
