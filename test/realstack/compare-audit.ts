// Checks an audit report against what the attack driver did: every attacking
// address is found, the /24 campaign is named as one subnet, the compromised
// account is flagged, and no legitimate address is accused.
import type { AuditReport } from '../../src/report/model.js';
import type { GroundTruth } from './ground-truth.js';

function inSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (bits !== '24' || ip.includes(':')) return false;
  return ip.slice(0, ip.lastIndexOf('.')) === net!.slice(0, net!.lastIndexOf('.'));
}

export function compareAuditWithTruth(report: AuditReport, truth: GroundTruth): string[] {
  const problems: string[] = [];
  const issues = report.findings.filter((f) => f.kind === 'issue');
  const covered = (ip: string) =>
    issues.some((f) =>
      f.sources.some((s) => (s.kind === 'address' ? s.source === ip : inSubnet(ip, s.source))),
    );
  for (const scenario of truth.scenarios) {
    for (const ip of scenario.addresses)
      if (!covered(ip)) problems.push(`${scenario.id}: attacker ${ip} is in no finding`);
  }
  const campaign = truth.scenarios.find((s) => s.id === 'tls-garbage-submissions');
  if (campaign) {
    const tls = report.findings.find((f) => f.id === 'tls-handshake-campaign');
    const subnet = `${campaign.addresses[0]!.slice(0, campaign.addresses[0]!.lastIndexOf('.'))}.0/24`;
    const named = tls?.sources.find((s) => s.kind === 'subnet' && s.source === subnet);
    if (!named) problems.push(`the TLS campaign's ${subnet} is not named as a subnet`);
    else if (named.addresses !== campaign.addresses.length)
      problems.push(`${subnet}: ${named.addresses} addresses, the driver used ${campaign.addresses.length}`);
  }
  const compromise = truth.scenarios.find((s) => s.expectedKind.includes('account-compromise'));
  if (compromise) {
    const f = report.findings.find((x) => x.id === 'account-compromise-suspected');
    if (!f) problems.push('no account-compromise-suspected finding');
    else {
      if (f.severity !== 'critical') problems.push('account compromise is not critical');
      if (
        !f.sources.some(
          (s) =>
            s.source === compromise.addresses[0] &&
            (s.users ?? []).some((u) => compromise.users?.includes(u)),
        )
      ) {
        problems.push(
          `account compromise does not name ${compromise.addresses[0]} and ${compromise.users?.join(',')}`,
        );
      }
    }
  }
  for (const ip of truth.legitimateAddresses) {
    for (const f of issues) {
      for (const s of f.sources) {
        if (s.kind === 'address' ? s.source === ip : inSubnet(ip, s.source))
          problems.push(`legitimate ${ip} accused in ${f.id} (${s.source})`);
      }
    }
  }
  return problems;
}
