import { accountCompromise } from '../detect/account-compromise.js';
import { archiveDecoder } from '../detect/archive-decoder.js';
import { authBruteForce } from '../detect/auth-brute-force.js';
import { clientIpHidden } from '../detect/client-ip-hidden.js';
import type { AnyDetector } from '../detect/detector.js';
import { fail2banCoverage } from '../detect/fail2ban-coverage.js';
import { fail2banEnforcement } from '../detect/fail2ban-enforcement.js';
import { postscreenViolations } from '../detect/postscreen-violations.js';
import { nonSmtpProbing, recipientHarvesting, relayProbing } from '../detect/probing.js';
import { contentSummary, queueBacklog } from '../detect/queue-and-content.js';
import { tlsCampaign } from '../detect/tls-campaign.js';

/** Every detector the audit runs, in report order. */
export const DETECTORS: readonly AnyDetector[] = [
  accountCompromise,
  tlsCampaign,
  postscreenViolations,
  authBruteForce,
  relayProbing,
  recipientHarvesting,
  nonSmtpProbing,
  archiveDecoder,
  fail2banCoverage,
  fail2banEnforcement,
  queueBacklog,
  contentSummary,
  clientIpHidden,
];
