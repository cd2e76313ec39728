import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseTagList, withoutWhitespace } from './tag-list.js';

/** A DKIM key record at `<selector>._domainkey.<domain>`: its `p=` (whitespace removed) and `k=`. */
export interface DkimKeyRecord {
  record: string;
  publicKey: string;
  keyType: string;
}

/**
 * The TXT records that are DKIM key records: a valid tag list with `p=`, and
 * `v=DKIM1` first when `v=` is there at all (RFC 6376 3.6.1).
 */
export function dkimKeyRecords(records: readonly string[]): DkimKeyRecord[] {
  const keys: DkimKeyRecord[] = [];
  for (const record of records) {
    const parsed = parseTagList(record);
    if (!parsed.ok) continue;
    const p = parsed.tags.get('p');
    if (p === undefined) continue;
    const v = parsed.tags.get('v');
    if (v !== undefined && (v !== 'DKIM1' || parsed.order[0] !== 'v')) continue;
    keys.push({ record, publicKey: withoutWhitespace(p), keyType: parsed.tags.get('k') ?? 'rsa' });
  }
  return keys;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Far above a 16384-bit RSA key: anything longer is not a key worth decoding. */
const MAX_KEY_BYTES = 4_096;

function decodeKey(der: Buffer, type: 'spki' | 'pkcs1'): KeyObject | null {
  try {
    return createPublicKey({ key: der, format: 'der', type });
  } catch {
    return null;
  }
}

/** The key on disk, decoded, or null when the reader handed over something that is no SPKI key. */
export function diskKey(publicKeyBase64: string): KeyObject | null {
  return decodeKey(Buffer.from(withoutWhitespace(publicKeyBase64), 'base64'), 'spki');
}

/** Ed25519's `p=` is the raw 32-byte key (RFC 8463), not a SubjectPublicKeyInfo. */
function rawEd25519(key: KeyObject): Buffer | null {
  const x = key.export({ format: 'jwk' }).x;
  return typeof x === 'string' ? Buffer.from(x, 'base64url') : null;
}

/** The `p=` value this key is published as. */
export function publishedForm(publicKeyBase64: string): { keyType: string; p: string } {
  const key = diskKey(publicKeyBase64);
  const raw = key?.asymmetricKeyType === 'ed25519' ? rawEd25519(key) : null;
  if (raw) return { keyType: 'ed25519', p: raw.toString('base64') };
  return { keyType: 'rsa', p: withoutWhitespace(publicKeyBase64) };
}

/**
 * Whether a published `p=` holds the key on disk: the same base64, or the same key
 * in another encoding (an RSA key as PKCS#1 RSAPublicKey, as RFC 6376 literally
 * describes it, rather than the SubjectPublicKeyInfo that signers publish).
 */
export function publishedKeyMatches(published: string, publicKeyBase64: string): boolean {
  const expected = withoutWhitespace(publicKeyBase64);
  if (published === expected) return true;
  if (published === '' || !BASE64.test(published)) return false;
  const publishedDer = Buffer.from(published, 'base64');
  if (publishedDer.length > MAX_KEY_BYTES) return false;
  if (publishedDer.equals(Buffer.from(expected, 'base64'))) return true;
  const key = diskKey(expected);
  if (!key) return false;
  if (key.asymmetricKeyType === 'ed25519') return rawEd25519(key)?.equals(publishedDer) ?? false;
  const other = decodeKey(publishedDer, 'spki') ?? decodeKey(publishedDer, 'pkcs1');
  return other?.equals(key) ?? false;
}
