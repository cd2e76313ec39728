import type { MasterService } from '../config/postfix/master-cf.js';
import type { PostfixConfig } from '../config/postfix/postfix-config.js';
import { commandLine } from './command-line.js';
import {
  listWords,
  overrideText,
  setDmsMasterLine,
  setMainParameter,
  setServiceOverride,
} from './postfix-edit.js';

/** Where the wiring is written: docker-mailserver's override files, or a host's main.cf and master.cf. */
export interface WiringInput {
  kind: 'docker-mailserver' | 'plain';
  postfix: PostfixConfig;
  /** The map as Postfix sees it: `cidr:` + this path. */
  mapPath: string;
  /** docker-mailserver: postfix-main.cf / postfix-master.cf; plain host: main.cf / master.cf. Text null: no such file yet. */
  main: { path: string; text: string | null };
  master: { path: string; text: string | null };
  /** Plain host: the configuration directory for `postconf -c`, or null for /etc/postfix. */
  postconfDir: string | null;
}

/** One setting mitigate changes: in main.cf, or as a master.cf override of one service. */
export interface SettingChange {
  service: { name: string; type: string } | null;
  name: string;
  from: string | null;
  to: string;
}

export interface WiringResult {
  mainText: string | null;
  masterText: string | null;
  changes: SettingChange[];
  /** Plain host: the same changes as `postconf -e` / `postconf -P` commands. */
  postconfCommands: string[];
  notes: string[];
}

const SUBMISSION_PORTS = new Set(['submission', '587', 'submissions', 'smtps', '465']);
const SMTP_PORTS = new Set(['smtp', '25']);

/** The port part of a master.cf service name: `smtp`, `127.0.0.1:2525` → `2525`, `[::1]:25` → `25`. */
export function servicePort(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** The smtpd services of the submission ports: by port, or by a `syslog_name` of `.../submission(s)`. */
export function submissionServices(pf: PostfixConfig): MasterService[] {
  return pf
    .inetServices()
    .filter(
      (s) =>
        s.command === 'smtpd' &&
        (SUBMISSION_PORTS.has(servicePort(s.name)) ||
          /\/(submission|submissions|smtps)$/.test(s.overrides.get('syslog_name')?.value ?? '')),
    );
}

/** The service that answers port 25: postscreen when it is in front, else smtpd itself. */
export function port25Services(pf: PostfixConfig): { postscreen: MasterService[]; smtpd: MasterService[] } {
  const postscreen = pf.inetServices().filter((s) => s.command === 'postscreen');
  const submission = new Set(submissionServices(pf));
  const smtpd =
    postscreen.length > 0
      ? []
      : pf
          .inetServices()
          .filter((s) => s.command === 'smtpd' && !submission.has(s) && SMTP_PORTS.has(servicePort(s.name)));
  return { postscreen, smtpd };
}

function hasMap(value: string, mapWord: string): boolean {
  return listWords(value).includes(mapWord);
}

/** postscreen_access_list with the map after a leading permit_mynetworks (so mynetworks is never tested against it), else first. */
export function withPostscreenMap(value: string, mapWord: string, compact: boolean): string | null {
  if (hasMap(value, mapWord)) return null;
  const sep = compact ? ',' : ', ';
  const trimmed = value.trim();
  if (trimmed === '') return mapWord;
  const lead = /^permit_mynetworks(?=$|[\s,])/.exec(trimmed);
  if (lead) return `${lead[0]}${sep}${mapWord}${trimmed.slice(lead[0].length)}`;
  return `${mapWord}${sep}${trimmed}`;
}

/** smtpd_client_restrictions with `check_client_access cidr:...` first, the existing restrictions after it. */
export function withClientCheck(value: string, mapWord: string, compact: boolean): string | null {
  if (hasMap(value, mapWord)) return null;
  const check = compact ? `check_client_access,${mapWord}` : `check_client_access ${mapWord}`;
  const trimmed = value.trim();
  return trimmed === '' ? check : `${check}${compact ? ',' : ', '}${trimmed}`;
}

/**
 * Works out the settings that make Postfix consult the map: postscreen's access
 * list on port 25 (with postscreen_denylist_action = drop where it would
 * ignore a match), or smtpd's client restrictions where no postscreen is in
 * front; and check_client_access first in the client restrictions of the
 * submission services. Existing values are extended, never replaced; a setting
 * that already names the map is left alone, so running twice changes nothing.
 */
export function planWiring(input: WiringInput): WiringResult {
  const pf = input.postfix;
  const mapWord = `cidr:${input.mapPath}`;
  const dms = input.kind === 'docker-mailserver';
  const changes: SettingChange[] = [];
  const notes: string[] = [];
  let mainText = input.main.text;
  let masterText = input.master.text;

  /** Changes `name` where it is in effect for `service`: its master.cf override, or main.cf. */
  const change = (service: MasterService | null, name: string, to: (current: string) => string | null) => {
    const override = service?.overrides.get(name);
    const inMaster = override !== undefined;
    const current = inMaster ? override.value : (pf.setting(name)?.value ?? pf.defaults.get(name) ?? '');
    // A master.cf -o value may not hold whitespace (postconf -P refuses it): commas instead.
    const next = to(current);
    if (next === null) return;
    const target = inMaster ? { name: service!.name, type: service!.type } : null;
    if (
      changes.some(
        (c) => c.name === name && c.service?.name === target?.name && c.service?.type === target?.type,
      )
    )
      return;
    changes.push({ service: target, name, from: inMaster || pf.setting(name) ? current : null, to: next });
    if (!target) mainText = setMainParameter(mainText ?? '', name, next);
    else if (dms) masterText = setDmsMasterLine(masterText ?? '', target, name, next);
    else {
      const edited = setServiceOverride(masterText ?? '', target, name, next);
      if (edited === null)
        notes.push(`${input.master.path}: service ${target.name}/${target.type} not found`);
      else masterText = edited;
    }
  };
  const compactFor = (service: MasterService | null, name: string) => {
    const override = service?.overrides.get(name);
    return override !== undefined && !/\s/.test(override.value);
  };

  const { postscreen, smtpd } = port25Services(pf);
  for (const s of postscreen) {
    change(s, 'postscreen_access_list', (v) =>
      withPostscreenMap(v, mapWord, compactFor(s, 'postscreen_access_list')),
    );
    // postscreen_denylist_action (Postfix 3.6+) defaults to the older postscreen_blacklist_action, else ignore.
    const explicit =
      s.overrides.has('postscreen_denylist_action') || pf.main.has('postscreen_denylist_action');
    const effective = (
      explicit
        ? pf.value('postscreen_denylist_action', s)
        : pf.value('postscreen_blacklist_action', s) || 'ignore'
    ).trim();
    if (effective === '' || effective === 'ignore') change(s, 'postscreen_denylist_action', () => 'drop');
  }
  for (const s of smtpd)
    change(s, 'smtpd_client_restrictions', (v) =>
      withClientCheck(v, mapWord, compactFor(s, 'smtpd_client_restrictions')),
    );
  const submissions = submissionServices(pf);
  for (const s of submissions)
    change(s, 'smtpd_client_restrictions', (v) =>
      withClientCheck(v, mapWord, compactFor(s, 'smtpd_client_restrictions')),
    );
  if (postscreen.length === 0 && smtpd.length === 0)
    notes.push('no service on port 25 (postscreen or smtpd) found in master.cf: port 25 is not wired');
  if (submissions.length === 0)
    notes.push('no submission or submissions service found in master.cf: only port 25 is wired');

  const postconfCommands: string[] = [];
  if (!dms) {
    const dir = input.postconfDir !== null ? ['-c', input.postconfDir] : [];
    const main = changes.filter((c) => c.service === null);
    if (main.length > 0)
      postconfCommands.push(
        commandLine(['postconf', ...dir, '-e', ...main.map((c) => `${c.name} = ${c.to}`)]),
      );
    for (const c of changes.filter((x) => x.service !== null)) {
      if (/\s/.test(c.to))
        notes.push(
          `${c.service!.name}/${c.service!.type}: postconf -P cannot set a value with spaces; edit master.cf: ${overrideText(c.name, c.to)}`,
        );
      else
        postconfCommands.push(
          commandLine(['postconf', ...dir, '-P', `${c.service!.name}/${c.service!.type}/${c.name}=${c.to}`]),
        );
    }
  }
  return { mainText, masterText, changes, postconfCommands, notes };
}
