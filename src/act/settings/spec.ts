/**
 * Building blocks of the settings schema. A spec reads one value of the parsed
 * file, records every problem it finds and returns the value as the settings
 * hold it (or undefined when it is unusable). The tables of the schema list
 * their keys, which gives the unknown-key check, the suggestions and the
 * key list the documentation is tested against.
 */
import { describeValue, formatKey, type Problems, type SettingsPath } from './problems.js';
import { didYouMean, sameWord } from './suggest.js';

export interface ReadContext {
  problems: Problems;
  /** Every key of the schema as `a.b.c` (list positions left out), to point at a key written in the wrong table. */
  knownKeys: readonly string[];
}

export interface Spec<T> {
  /** `fallback` fills the keys a table leaves out; leaves ignore it. */
  read(value: unknown, at: SettingsPath, ctx: ReadContext, fallback: T | undefined): T | undefined;
  /** The keys of a table (or of each table of a list, or of an optional table), as the file writes them. */
  readonly fields?: Readonly<Record<string, Spec<unknown>>>;
}

/** Why a leaf refused its value; `leaf` files it under the value's key. */
export class Rejection {
  constructor(readonly message: string) {}
}

export function expected(what: string, value: unknown): Rejection {
  return new Rejection(`must be ${what}, got ${describeValue(value)}`);
}

/** A spec for a single value: `check` converts it or says why not. */
export function leaf<T>(check: (value: unknown) => T | Rejection): Spec<T> {
  return {
    read(value, at, ctx) {
      const result = check(value);
      if (result instanceof Rejection) {
        ctx.problems.add(at, result.message);
        return undefined;
      }
      return result;
    },
  };
}

/** `repeatFactor` is written `repeat_factor`, `postfixMap` `postfix_map`, `subnetPrefix4` `subnet_prefix4`. */
export function fileKey(property: string): string {
  return property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export interface TableOptions<T> {
  /** Values for keys the file leaves out when there is no fallback (a table absent by default). */
  defaults?: Partial<T>;
  /** Rules between keys, run once the table is read. */
  check?: (value: T, at: SettingsPath, problems: Problems) => void;
}

/**
 * A table whose keys are the properties of T in snake_case. A key left out takes
 * the fallback's value (or the default); a key with neither is required. A value
 * that is wrong is reported and replaced by that same fallback, so that the rest
 * of the file is still read and checked.
 */
export function table<T extends object>(
  properties: { [K in keyof T]-?: Spec<T[K]> },
  options: TableOptions<T> = {},
): Spec<T> {
  const byKey = new Map<string, keyof T & string>();
  for (const property of Object.keys(properties) as (keyof T & string)[])
    byKey.set(fileKey(property), property);
  const fields: Record<string, Spec<unknown>> = {};
  for (const [key, property] of byKey) fields[key] = properties[property];

  return {
    fields,
    read(value, at, ctx, fallback) {
      if (!isTable(value)) {
        ctx.problems.add(at, `must be a table, got ${describeValue(value)}`);
        return undefined;
      }
      const out: Partial<T> = {};
      /** Whether the property got a value. */
      const readProperty = <K extends keyof T & string>(key: string, property: K): boolean => {
        const path = [...at, key];
        const base = fallback !== undefined ? fallback[property] : options.defaults?.[property];
        const given = Object.hasOwn(value, key) ? value[key] : undefined;
        const read = given === undefined ? undefined : properties[property].read(given, path, ctx, base);
        // Not `??`: null is a value here (an optional key turned off).
        const result = read === undefined ? base : read;
        if (result !== undefined) {
          out[property] = result;
          return true;
        }
        if (given === undefined) ctx.problems.add(path, 'is required');
        return false;
      };
      let complete = true;
      for (const [key, property] of byKey) complete = readProperty(key, property) && complete;
      for (const key of Object.keys(value)) {
        if (!byKey.has(key))
          ctx.problems.add([...at, key], unknownKeyMessage(key, at, [...byKey.keys()], ctx));
      }
      if (!complete) return undefined;
      const result = out as T;
      options.check?.(result, at, ctx.problems);
      return result;
    },
  };
}

function unknownKeyMessage(key: string, at: SettingsPath, siblings: string[], ctx: ReadContext): string {
  const nearby = didYouMean(key, siblings);
  if (nearby !== '') return `unknown key${nearby}`;
  const here = at.filter((segment) => typeof segment === 'string').join('.');
  const elsewhere = ctx.knownKeys.find((known) => {
    const dot = known.lastIndexOf('.');
    return sameWord(known.slice(dot + 1), key) && known.slice(0, Math.max(dot, 0)) !== here;
  });
  return elsewhere === undefined ? 'unknown key' : `unknown key (did you mean ${JSON.stringify(elsewhere)}?)`;
}

/** An optional table or value: `""`, `false` or (in YAML) `null` turn it off. */
export function nullable<T>(spec: Spec<T>): Spec<T | null> {
  return {
    ...(spec.fields === undefined ? {} : { fields: spec.fields }),
    read(value, at, ctx, fallback) {
      if (value === '' || value === false || value === null) return null;
      return spec.read(value, at, ctx, fallback ?? undefined);
    },
  };
}

export interface ListOptions<T> {
  /** An empty list is refused. */
  nonEmpty?: boolean;
  /** Report an item equal to an earlier one (by this identity). */
  identity?: (item: T) => string;
  /** The key of an item that names it (for the duplicate message), e.g. `name` of a rule. */
  identityKey?: string;
}

/** A list; a problem with any item (reported under its position) makes the whole list unusable. */
export function list<T>(item: Spec<T>, options: ListOptions<T> = {}): Spec<T[]> {
  return {
    ...(item.fields === undefined ? {} : { fields: item.fields }),
    read(value, at, ctx) {
      if (!Array.isArray(value)) {
        ctx.problems.add(at, `must be a list, got ${describeValue(value)}`);
        return undefined;
      }
      if (options.nonEmpty && value.length === 0) {
        ctx.problems.add(at, 'must not be empty');
        return undefined;
      }
      const out: T[] = [];
      let complete = true;
      const firstIndex = new Map<string, number>();
      for (const [index, given] of (value as unknown[]).entries()) {
        const result = item.read(given, [...at, index], ctx, undefined);
        if (result === undefined) {
          complete = false;
          continue;
        }
        out.push(result);
        if (!options.identity) continue;
        const identity = options.identity(result);
        const first = firstIndex.get(identity);
        if (first === undefined) firstIndex.set(identity, index);
        else {
          const path = options.identityKey ? [...at, index, options.identityKey] : [...at, index];
          ctx.problems.add(
            path,
            `${JSON.stringify(identity)} is already listed at ${formatKey([...at, first])}`,
          );
          complete = false;
        }
      }
      return complete ? out : undefined;
    },
  };
}
