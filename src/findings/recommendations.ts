import type { Recommendation } from './finding.js';

/** The reject map the recommendations name; `mitigate` will write and wire the same file. */
export const DMS_CIDR_FILE = '/tmp/docker-mailserver/postfix-reject-cidr.cf';
export const HOST_CIDR_FILE = '/etc/postfix/reject-cidr.cf';

function cidrLines(sources: string[]): string[] {
  return sources.slice(0, 8).map((s) => `${s.includes('/') ? s : `${s}/32`} REJECT`);
}

/** Block sources at Postfix's door: a cidr: map wired into postscreen and the submission services. */
export function blockAtPostfix(sources: string[], why: string): Recommendation {
  const entries = cidrLines(sources);
  const printf = entries.map((e) => `'${e}'`).join(' ');
  return {
    summary: `Reject ${sources.length === 1 ? sources[0] : `these ${sources.length} sources`} in a Postfix cidr: map that postscreen and the submission services consult (${why}). A map that no restriction references does nothing: wire it in.`,
    dockerMailserver: [
      `printf '%s\\n' ${printf} >> docker-data/dms/config/postfix-reject-cidr.cf`,
      `echo 'postscreen_access_list = permit_mynetworks, cidr:${DMS_CIDR_FILE}' >> docker-data/dms/config/postfix-main.cf`,
      `echo 'postscreen_denylist_action = drop' >> docker-data/dms/config/postfix-main.cf`,
      `echo 'submission/inet/smtpd_client_restrictions=check_client_access,cidr:${DMS_CIDR_FILE},permit_sasl_authenticated,reject' >> docker-data/dms/config/postfix-master.cf`,
      `echo 'submissions/inet/smtpd_client_restrictions=check_client_access,cidr:${DMS_CIDR_FILE},permit_sasl_authenticated,reject' >> docker-data/dms/config/postfix-master.cf`,
      'docker compose restart mailserver   # postfix-main.cf and postfix-master.cf are applied at start only',
    ],
    plainHost: [
      `printf '%s\\n' ${printf} >> ${HOST_CIDR_FILE}`,
      `postconf -e 'postscreen_access_list = permit_mynetworks, cidr:${HOST_CIDR_FILE}' 'postscreen_denylist_action = drop'`,
      `postconf -P 'submission/inet/smtpd_client_restrictions=check_client_access,cidr:${HOST_CIDR_FILE},permit_sasl_authenticated,reject'`,
      `postconf -P 'submissions/inet/smtpd_client_restrictions=check_client_access,cidr:${HOST_CIDR_FILE},permit_sasl_authenticated,reject'`,
      'postfix check && postfix reload',
    ],
  };
}

/** A fail2ban jail for lines no stock filter matches (SSL_accept errors, postscreen deep tests). */
export function fail2banJail(name: string, failregex: string, note: string): Recommendation {
  const filter = `[Definition]\\nfailregex = ${failregex}\\nignoreregex =\\n`;
  const jail = `[${name}]\\nenabled = true\\nfilter = ${name}\\nlogpath = /var/log/mail.log\\nmaxretry = 3\\nfindtime = 10m\\nbantime = 24h\\n`;
  return {
    summary: `${note} Add a fail2ban filter and jail for it (3 failures in 10 minutes ban for 24 hours, as a starting point).`,
    dockerMailserver: [
      `printf '${filter}' > docker-data/dms/config/fail2ban-filter-${name}.local   # then mount it: ./docker-data/dms/config/fail2ban-filter-${name}.local:/etc/fail2ban/filter.d/${name}.local:ro`,
      `printf '${jail}' >> docker-data/dms/config/fail2ban-jail.cf`,
      'docker compose up -d --force-recreate mailserver   # docker-mailserver copies fail2ban-jail.cf at start, but never copies filters: the mount is needed',
      `docker exec mailserver fail2ban-client status ${name}`,
    ],
    plainHost: [
      `printf '${filter}' > /etc/fail2ban/filter.d/${name}.local`,
      `printf '${jail}' > /etc/fail2ban/jail.d/${name}.local`,
      `fail2ban-regex /var/log/mail.log /etc/fail2ban/filter.d/${name}.local`,
      'fail2ban-client reload',
    ],
  };
}
