/**
 * Escaping of attacker-controlled text (log lines, HELO names, user names, anything
 * that came from a log) for each output format. Every renderer goes through this
 * module; nothing from a report is written out any other way.
 *
 * The common first step is `makeVisible`: control characters (ANSI escapes, NUL,
 * the other C0 and C1 controls, line breaks), bidirectional overrides and isolates,
 * zero-width and other invisible code points become visible, inert `\xNN` /
 * `\u{...}` text, the same notation `mailwarden events` prints on a terminal.
 */
import { escapeForTerminal } from '../cli/terminal-escape.js';

export { escapeForTerminal };

/** What `escapeForTerminal` escapes: C0 controls, and then C1 controls, zero-width and bidi characters, BOM. */
const C0_CLASS = '\\u0000-\\u001f';
const C1_BIDI_CLASS = '\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff';
const TERMINAL_CLASS = C0_CLASS + C1_BIDI_CLASS;

/**
 * Invisible or direction-changing code points that the terminal escaper leaves
 * alone: soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul and
 * Khmer fillers, Mongolian selectors, word joiner and invisible operators,
 * deprecated format controls, interlinear annotations and Unicode tags.
 */
const MORE_CLASS =
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u2060-\\u2064\\u206a-\\u206f\\u3164\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}';

/** Lone surrogates (with the `u` flag only unpaired halves match), which an encoder would turn into U+FFFD. */
const LONE_SURROGATE_CLASS = '\\ud800-\\udfff';

const MORE_INVISIBLE = new RegExp(`[${MORE_CLASS}${LONE_SURROGATE_CLASS}]`, 'gu');

/** Control, bidi and invisible characters as visible text (`\x1b`, `\u{202e}`); everything else unchanged. */
export function makeVisible(text: string): string {
  return escapeForTerminal(text).replace(MORE_INVISIBLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** What `makeVisible` turns into escapes, as one test: for checks on rendered output. */
export const INVISIBLE_OR_CONTROL = new RegExp(
  `[${TERMINAL_CLASS}${MORE_CLASS}${LONE_SURROGATE_CLASS}]`,
  'u',
);

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for HTML element content or a double- or single-quoted attribute value:
 * `& < > " '` become entities, invisible characters become visible escapes.
 */
export function escapeHtml(text: string): string {
  return makeVisible(text).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);
}

/**
 * Inline Markdown text (a table cell, a list item, a paragraph), rendered on a forge
 * as exactly the characters given: backticks, pipes, emphasis, brackets, angle
 * brackets, entities, strikethrough and math delimiters are backslash-escaped, and so
 * are the `:` of `://` and the `.` of `www.` so that no URL becomes a link; line
 * breaks and other control characters become visible escapes, so the text stays on
 * its line; a leading block marker (`#`, `-`, `+`, `=`, `1.`) is escaped, and leading
 * or trailing spaces are shown as `\x20`, so the text cannot start a heading, list,
 * thematic break or code block. A backslash is doubled only where it would escape what follows, so
 * `\x1b` reads the same in the source and on the page.
 */
export function escapeMarkdownInline(text: string): string {
  let s = makeVisible(text);
  s = s.replace(/\\(?=[!-/:-@[-`{-~]|$)/g, '\\\\');
  s = s.replace(/[`*_[\]<>|~&$]/g, '\\$&');
  // No link from attacker text: GFM would turn `http://…` and `www.…` into one.
  s = s.replace(/:\/\//g, '\\://').replace(/\b(www)\./gi, '$1\\.');
  // Block markers count only when a space or the end follows them (or, for a
  // thematic break or setext underline, more of the same).
  s = s.replace(/^(?:#{1,6}(?= |$)|[-+=](?= |$|[-+=]))/, '\\$&').replace(/^(\d{1,9})([.)])(?= |$)/, '$1\\$2');
  s = s.replace(/^ +| +$/g, (spaces) => '\\x20'.repeat(spaces.length));
  return s;
}

function longestBacktickRun(lines: readonly string[]): number {
  let longest = 0;
  for (const line of lines) {
    for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  }
  return longest;
}

/**
 * A fenced Markdown code block holding `lines` verbatim, one per line. The fence is
 * longer than any backtick run inside, so no line can close it; control characters
 * (line breaks included) become visible escapes, so a line stays one line. `info` is
 * the language tag (letters, digits, `+`, `-`, `_` only).
 */
export function markdownCodeBlock(lines: readonly string[], info = ''): string {
  const body = lines.map(makeVisible);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return [fence + info.replace(/[^A-Za-z0-9_+-]/g, ''), ...body, fence].join('\n');
}

/**
 * An inline Markdown code span holding `text` verbatim (control characters made
 * visible). Its delimiter is longer than any backtick run inside. In a table cell
 * (`inTable`), pipes are escaped as GFM requires even inside code spans.
 */
export function markdownCodeSpan(text: string, inTable = false): string {
  let s = makeVisible(text);
  if (s === '') return '';
  if (inTable) s = s.replace(/\|/g, '\\|');
  const delimiter = '`'.repeat(longestBacktickRun([s]) + 1);
  // CommonMark strips one space from each end when both ends have one (and the
  // content is not all spaces), and a backtick at an end would join the delimiter.
  const pad = s.startsWith('`') || s.endsWith('`') || /^ .*[^ ].* $/.test(s) ? ' ' : '';
  return delimiter + pad + s + pad + delimiter;
}

/**
 * What a JSON text must not carry raw. `JSON.stringify` escapes C0 controls and lone
 * surrogates in strings itself; outside strings, C0 is the indentation's line feeds.
 */
const JSON_UNSAFE = new RegExp(`[${C1_BIDI_CLASS}${MORE_CLASS}]`, 'gu');
const SCRIPT_UNSAFE = new RegExp(`[<>&${C1_BIDI_CLASS}${MORE_CLASS}]`, 'gu');

function unicodeEscapes(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * JSON text of `value` in which every character outside printable text is a `\uXXXX`
 * escape: `JSON.stringify` already escapes C0 controls and lone surrogates; this also
 * escapes C1 controls, bidi and zero-width characters, line and paragraph separators
 * and Unicode tags. `JSON.parse` gives back the same value. With `forScript`, `<`,
 * `>` and `&` are escaped too, so the text can sit inside an HTML `<script>` element
 * without any string in it closing the element.
 */
export function safeJson(value: unknown, indent?: number, forScript = false): string {
  const json = JSON.stringify(value, null, indent) ?? 'null';
  // Outside strings, JSON text is ASCII punctuation, digits and literals, so every
  // match is inside a string, where a \u escape stands for the same character.
  return json.replace(forScript ? SCRIPT_UNSAFE : JSON_UNSAFE, unicodeEscapes);
}
