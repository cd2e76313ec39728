/** SPF records (RFC 7208), parsed only as far as the policy for hosts not listed goes. */

/** The `all` qualifier: `+` pass, `?` neutral, `~` softfail, `-` fail. */
export type AllQualifier = '+' | '?' | '~' | '-';

export interface SpfPolicy {
  /** The qualifier of the `all` mechanism, or null when the record has none. */
  all: AllQualifier | null;
  /** The `redirect=` target; RFC 7208 6.1 ignores it when `all` is present. */
  redirect: string | null;
}

/** The TXT records that are SPF records: `v=spf1` followed by a space or the end (RFC 7208 4.5). */
export function spfRecords(records: readonly string[]): string[] {
  return records.filter((r) => {
    const head = r.slice(0, 7).toLowerCase();
    return head === 'v=spf1' || head === 'v=spf1 ';
  });
}

export function spfPolicy(record: string): SpfPolicy {
  let all: AllQualifier | null = null;
  let redirect: string | null = null;
  const terms = record.split(' ').filter((t) => t !== '');
  for (const term of terms.slice(1)) {
    const lower = term.toLowerCase();
    if (all === null && (lower === 'all' || (lower.length === 4 && lower.endsWith('all')))) {
      const q = lower.length === 3 ? '+' : lower[0];
      if (q === '+' || q === '?' || q === '~' || q === '-') all = q;
    } else if (redirect === null && lower.startsWith('redirect=')) {
      redirect = term.slice('redirect='.length);
    }
  }
  return { all, redirect: all === null ? redirect : null };
}

export function describeAll(all: AllQualifier | null): string {
  switch (all) {
    case '+':
      return '+all (every host on the internet passes)';
    case '?':
      return '?all (neutral: unlisted hosts are neither allowed nor refused)';
    case '~':
      return '~all (softfail)';
    case '-':
      return '-all (fail)';
    default:
      return 'no all and no redirect= (the default for unlisted hosts is neutral)';
  }
}
