/**
 * fail2ban's tags, substituted in a regex before Python compiles it, as
 * fail2ban 1.0 and 1.1 define them (server/failregex.py, `Regex._resolveHostTag`):
 *
 * - `<HOST>`: an IPv4 address (optionally `::ffff:`-prefixed), an IPv6
 *   address, optionally in brackets, or, unless `usedns = no`, a host name;
 * - `<ADDR>` (the two address forms), `<IP4>`, `<IP6>`, `<DNS>`, `<CIDR>`,
 *   `<SUBNET>` (address with an optional `/cidr`), and their self-closing
 *   `<F-IP4/>` … forms; `<F-ID/>` (`\S+`) and `<F-PORT/>` (`\w+`);
 * - `<SKIPLINES>`: the rest of the line and any number of whole lines
 *   (multi-line filters);
 * - `<F-NAME>…</F-NAME>` (upper case, digits, `_`, `-`): a named group
 *   `name` in lower case, with `F-ID` becoming `fid` and `F-PORT` `fport`.
 *   So `<F-USER>`, `<F-ALT_USER…>`, `<F-MLFID>`, `<F-NOFAIL>`,
 *   `<F-MLFFORGET>`, `<F-MLFGAINED>`, `<F-CONTENT>` (a prefregex's content).
 *   A closing tag never opened stays as it is; any other tag stays as it is.
 *
 * After substitution fail2ban rewrites a global flag group opened inside a
 * group, `((?i)…)` or `(?:(?i)…)`, into the scoped `(?i:…)`, because Python
 * 3.11 rejects global flags after the start of the pattern.
 *
 * Interpolations of the configuration (`%(__prefix_line)s`, `<daemon>` …) are
 * done by the configuration reader before this point, as `fail2ban-client -d`
 * prints them.
 */

export type UseDns = 'yes' | 'warn' | 'no' | 'raw';

const IP_4_RE = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const IP_6_RE = String.raw`(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`;

const R_IPV4 = String.raw`(?:::f{4,6}:)?(?P<ip4>${IP_4_RE})`;
const R_IPV6 = String.raw`(?P<ip6>${IP_6_RE})`;
const R_DNS = String.raw`(?P<dns>[\w\-.^_]*\w)`;
const R_CIDR = String.raw`(?P<cidr>\d+)`;
const R_ADDR = String.raw`\[?(?:${R_IPV4}|${R_IPV6})\]?`;
const R_HOST = String.raw`(?:${R_ADDR}|${R_DNS})`;
const R_SUBNET = String.raw`\[?(?:${R_IPV4}|${R_IPV6})(?:/${R_CIDR})?\]?`;

const STATIC_TAGS: Record<string, string> = {
  IP4: R_IPV4,
  'F-IP4/': R_IPV4,
  IP6: R_IPV6,
  'F-IP6/': R_IPV6,
  ADDR: R_ADDR,
  'F-ADDR/': R_ADDR,
  CIDR: R_CIDR,
  'F-CIDR/': R_CIDR,
  SUBNET: R_SUBNET,
  'F-SUBNET/': R_SUBNET,
  DNS: R_DNS,
  'F-DNS/': R_DNS,
  'F-ID/': String.raw`(?P<fid>\S+)`,
  'F-PORT/': String.raw`(?P<fport>\w+)`,
};

const TAG = /<\/?[\p{L}\p{N}_-]+\/?>/gu;
const CUSTOM_NAME = /^(\/?)F-([A-Z0-9_-]+)$/;
const GROUP_NAME_MAP: Record<string, string> = { id: 'fid', port: 'fport' };
const GLOBAL_TO_LOCAL_FLAGS = /(?<!\\)\((?:\?:)?(\(\?[a-z]+)\)/g;

/** The group name fail2ban gives an `F-NAME` tag. */
export function tagGroupName(tag: string): string {
  const lower = tag.toLowerCase();
  return GROUP_NAME_MAP[lower] ?? lower;
}

/** Substitutes fail2ban's tags in a regex, then maps `((?i)…)` to `(?i:…)`, as fail2ban does before compiling. */
export function substituteTags(regex: string, useDns: UseDns = 'warn'): string {
  const open = new Set<string>();
  let skiplines = 0;
  const substituted = regex.replace(TAG, (tag) => {
    const name = tag.slice(1, -1);
    if (name === 'HOST') return useDns === 'no' ? R_ADDR : R_HOST;
    if (name === 'SKIPLINES') return String.raw`\n(?P<skiplines${skiplines++}>(?:(?:.*\n)*?))`;
    const fixed = STATIC_TAGS[name];
    if (fixed !== undefined) return fixed;
    const custom = CUSTOM_NAME.exec(name);
    if (!custom) return tag;
    const [, closing, tn] = custom;
    if (closing) return open.has(tn!) ? ')' : tag;
    open.add(tn!);
    return `(?P<${tagGroupName(tn!)}>`;
  });
  return substituted.replace(GLOBAL_TO_LOCAL_FLAGS, '$1:');
}

/** Groups that identify a failure; a failregex needs one of them (or its prefregex does). */
export const FAILURE_ID_GROUPS = ['fid', 'ip4', 'ip6', 'dns', 'mlfid'] as const;

/** fail2ban's `alt_` groups: `alt_user`, `alt_user_2` … merge into `user` when it is empty. */
export const ALT_NAME = /^alt_(.*?)(?:_\d+)?$/;
/** fail2ban's `tuple_` groups: combined into one value. */
export const TUPLE_NAME = /^tuple_(.*?)(?:_\d+)?$/;
