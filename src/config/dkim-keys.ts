import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { DkimKey } from './server-config.js';

/** The `p=` value of a DKIM TXT record in BIND form (`( "v=DKIM1; k=rsa; " "p=MIIB..." )`): strings joined, tags parsed. */
export function dkimTxtPublicKey(text: string): string | null {
  const strings = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const joined = (strings.length > 0 ? strings.join('') : text).replace(/\s+/g, '');
  for (const tag of joined.split(';')) {
    const eq = tag.indexOf('=');
    if (eq > 0 && tag.slice(0, eq) === 'p') return tag.slice(eq + 1);
  }
  return null;
}

/** Reads a DKIM private key: its type and size, and the public key a DNS record must publish. */
export function readDkimKey(
  domain: string,
  selector: string,
  privateKeyPath: string,
  txtPath?: string,
): DkimKey {
  const key: DkimKey = {
    domain,
    selector,
    privateKeyPath,
    bits: null,
    keyType: null,
    publicKeyBase64: null,
    txtPublicKey: null,
    problem: null,
  };
  if (txtPath && existsSync(txtPath)) key.txtPublicKey = dkimTxtPublicKey(readFileSync(txtPath, 'utf8'));
  if (!existsSync(privateKeyPath)) {
    key.problem = `${privateKeyPath} does not exist`;
    return key;
  }
  try {
    const pub = createPublicKey(readFileSync(privateKeyPath));
    key.keyType = pub.asymmetricKeyType ?? null;
    const details = pub.asymmetricKeyDetails;
    key.bits = details?.modulusLength ?? (key.keyType === 'ed25519' ? 256 : null);
    key.publicKeyBase64 =
      key.keyType === 'ed25519'
        ? // Ed25519 DKIM records publish the raw 32-byte key, the end of the DER encoding.
          pub.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64')
        : pub.export({ type: 'spki', format: 'der' }).toString('base64');
  } catch (err) {
    key.problem = `${privateKeyPath}: not a readable private key (${(err as Error).message})`;
  }
  return key;
}
