// The virtual mailboxes of the stack and their credentials.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const MAIL_DOMAIN = 'example.test';
export const MAIL_HOSTNAME = `mail.${MAIL_DOMAIN}`;
/** Owner of the delivered mail; only used numerically, like docker-mailserver's vmail (5000). */
export const MAIL_UID = 5000;
export const MAIL_GID = 5000;

export interface MailUser {
  address: string;
  password: string;
}

export const MAIL_USERS: readonly MailUser[] = [
  { address: `alice@${MAIL_DOMAIN}`, password: 'Alice-correct-horse-7' },
  { address: `bob@${MAIL_DOMAIN}`, password: 'Bob-battery-staple-9' },
];

export function mailUser(local: 'alice' | 'bob'): MailUser {
  const user = MAIL_USERS.find((u) => u.address === `${local}@${MAIL_DOMAIN}`);
  if (!user) throw new Error(`no mail user ${local}`);
  return user;
}

/** Home of a user below virtual_mailbox_base; Postfix delivers to its Maildir/. */
export function userHome(mailRoot: string, address: string): string {
  const [local, domain] = address.split('@') as [string, string];
  return join(mailRoot, domain, local);
}

/** Dovecot's {SSHA512} scheme: base64(sha512(password + salt) + salt). */
function ssha512(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha512').update(password).update(salt).digest();
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** A Dovecot passwd-file serving as passdb and userdb. */
export function dovecotPasswdFile(mailRoot: string, users: readonly MailUser[] = MAIL_USERS): string {
  return users
    .map(
      (u) =>
        `${u.address}:${ssha512(u.password)}:${MAIL_UID}:${MAIL_GID}::${userHome(mailRoot, u.address)}::\n`,
    )
    .join('');
}

/** Postfix virtual_mailbox_maps (texthash: needs no postmap). */
export function postfixVirtualMailboxes(users: readonly MailUser[] = MAIL_USERS): string {
  return users
    .map((u) => {
      const [local, domain] = u.address.split('@') as [string, string];
      return `${u.address}\t${domain}/${local}/Maildir/\n`;
    })
    .join('');
}
