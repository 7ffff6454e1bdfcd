import { describe, expect, it } from 'vitest';
import { CodecErrorCode, registryRefusal } from '../src/index.ts';

const response = (status: number, message = 'x') => Object.assign(new Error(message), { name: 'ResponseError', status });
const URL = 'https://registry.example';

describe('a registry failure that retrying cannot mend', () => {
  it('401 and 403 are refused credentials, never retried', () => {
    expect(registryRefusal(response(401), URL)).toMatchObject({ code: CodecErrorCode.REGISTRY_UNAUTHORIZED, retriable: false, message: expect.stringContaining('HTTP 401') });
    expect(registryRefusal(response(403), URL)).toMatchObject({ code: CodecErrorCode.REGISTRY_UNAUTHORIZED, retriable: false });
  });

  it('an untrusted certificate, as Node names it or as mappersmith reports it, is a TLS failure', () => {
    expect(registryRefusal(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), URL)).toMatchObject({ code: CodecErrorCode.REGISTRY_TLS_FAILED });
    expect(registryRefusal(response(400, 'shadowdiff - Error, status 400: unable to verify the first certificate'), URL)).toMatchObject({ code: CodecErrorCode.REGISTRY_TLS_FAILED });
  });

  it('a registry that is down or failing now is not a refusal (decoding retries it)', () => {
    for (const error of [response(503), response(500), response(400, 'shadowdiff - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081'), new Error('socket hang up')]) {
      expect(registryRefusal(error, URL)).toBeUndefined();
    }
  });
});
