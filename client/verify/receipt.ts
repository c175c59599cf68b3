/**
 * Checking one answer's receipt against the attested gateway: the signature by the manifest's receipt
 * key, the salted commitments to the exact request bytes sent and response body received, the
 * attested measurement, and a model the manifest (and the policy) accepts. Throws ERR_VERIFY with a
 * message that says which check failed.
 */
import { TacitError } from '../../shared/errors.ts';
import { leafHash } from '../../shared/merkle/hash.ts';
import { decodeReceiptField, receiptLogEntry, verifyReceipt } from '../../shared/receipt/field.ts';
import type { Receipt } from '../../shared/receipt/receipt.ts';
import type { VerifiedGateway } from './attest.ts';
import type { TrustPolicy } from './policy.ts';

export interface VerifiedReceipt {
  readonly receipt: Receipt;
  /** The field value as received (with the salt): what `tacit verify --receipt` reads. */
  readonly field: string;
  /** The transparency log entry (the field without the salt), and its RFC 6962 leaf hash. */
  readonly logEntry: Uint8Array;
  readonly leafHash: Uint8Array;
}

const fail = (message: string, cause?: unknown) => new TacitError('ERR_VERIFY', message, { cause });

export async function checkReceipt(
  gateway: VerifiedGateway,
  policy: Pick<TrustPolicy, 'models'>,
  field: string | undefined,
  request: Uint8Array,
  response: Uint8Array,
): Promise<VerifiedReceipt> {
  if (field === undefined) throw fail('the answer carries no receipt');
  let signed: ReturnType<typeof decodeReceiptField>;
  try {
    signed = decodeReceiptField(field);
  } catch (e) {
    throw fail('the receipt is malformed', e);
  }
  if (!signed.salt) throw fail('the receipt has no salt: its commitments cannot be checked');
  if (signed.receipt.kid !== gateway.receiptKid)
    throw fail('the receipt is signed by a key the gateway did not attest');
  const receipt = await verifyReceipt(signed, { publicKey: gateway.manifest.receiptKey, request, response });
  if (receipt.measurement !== gateway.measurement) {
    throw fail(
      `the receipt names measurement ${receipt.measurement}, not the attested ${gateway.measurement}`,
    );
  }
  if (!gateway.manifest.models.includes(receipt.model))
    throw fail(`the receipt names model ${receipt.model}, which the manifest does not list`);
  if (policy.models !== undefined && !policy.models.includes(receipt.model)) {
    throw fail(`the answer came from model ${receipt.model}, which the policy does not accept`);
  }
  const logEntry = receiptLogEntry(signed.canonical, signed.signature);
  return { receipt, field, logEntry, leafHash: await leafHash(logEntry) };
}
