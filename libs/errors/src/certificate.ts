/** Node's codes for a server certificate that is not trusted, not yet or no longer valid, or not the server's. */
const CERTIFICATE_CODE = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)$/;

/** OpenSSL's words for the same, for clients that keep only the message (mappersmith). */
const CERTIFICATE_WORDS = /unable to verify the first certificate|self[- ]signed certificate(?: in certificate chain)?|unable to get (?:local )?issuer certificate|certificate has expired|certificate is not yet valid|Hostname\/IP does not match certificate's altnames/i;

/**
 * What says that a TLS peer's certificate was refused, anywhere in an error and what it wraps
 * (`cause`, and kafkajs's `originalError`): Node's code, or OpenSSL's words where a client kept
 * only the message. Undefined when the error is about something else.
 */
export function certificateProblem(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 10; depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CERTIFICATE_CODE.test(code)) return code;
    const words = typeof message === 'string' ? CERTIFICATE_WORDS.exec(message)?.[0] : undefined;
    if (words) return words;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}
