import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, type ConfigIssue, type TlsConfig } from './config.js';

/** The certificate, key and CA the HTTPS server serves, read from the configured files. */
export type TlsCredentials = Pick<SecureContextOptions, 'cert' | 'key' | 'ca' | 'passphrase'>;

/**
 * Reads the files of `WS_TLS_*` and checks that they make a usable secure context (a PEM certificate, its
 * key, the passphrase of an encrypted key). Throws a ConfigError naming the variable at fault, so a bad file
 * stops the gateway at start and is refused, without touching the served certificate, on a SIGHUP reload.
 */
export function readTlsCredentials(tls: TlsConfig): TlsCredentials {
  const issues: ConfigIssue[] = [];
  const read = (variable: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch (err) {
      issues.push({ variable, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})` });
      return undefined;
    }
  };
  const cert = read('WS_TLS_CERT_FILE', tls.certFile);
  const key = read('WS_TLS_KEY_FILE', tls.keyFile);
  const ca = tls.caFile === undefined ? undefined : read('WS_TLS_CA_FILE', tls.caFile);
  if (issues.length > 0) throw new ConfigError(issues);
  const credentials: TlsCredentials = {
    cert: cert as Buffer,
    key: key as Buffer,
    ...(ca ? { ca } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
  };
  // Part by part, so the error names the file (or passphrase) OpenSSL refused.
  const parts: [string, SecureContextOptions][] = [
    ['WS_TLS_CERT_FILE', { cert: credentials.cert }],
    [
      tls.passphrase === undefined ? 'WS_TLS_KEY_FILE' : 'WS_TLS_KEY_PASSPHRASE',
      { key: credentials.key, passphrase: tls.passphrase ?? '' },
    ],
    ...(ca ? ([['WS_TLS_CA_FILE', { ca }]] as [string, SecureContextOptions][]) : []),
    ['WS_TLS_KEY_FILE', credentials],
  ];
  for (const [variable, options] of parts) {
    try {
      createSecureContext(options);
    } catch (err) {
      const reason = (err as Error).message;
      if (variable === 'WS_TLS_KEY_FILE' && tls.passphrase === undefined && /ENCRYPTED/.test(String(key))) {
        throw new ConfigError([{ variable, message: 'is an encrypted key: set WS_TLS_KEY_PASSPHRASE' }]);
      }
      throw new ConfigError([{ variable, message: `not usable for TLS (${reason})` }]);
    }
  }
  return credentials;
}
