import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  /** The root CA certificate (PEM) clients trust. */
  rootPem: string;
  /** The intermediate CA certificate file that signs the server certificates. */
  intermediateFile: string;
  /** Issues a server certificate for localhost/127.0.0.1 into `<name>.crt`/`<name>.key` (key encrypted with `passphrase`). */
  issue(
    name: string,
    options?: { passphrase?: string },
  ): Promise<{ certFile: string; keyFile: string; serial: string }>;
  remove(): Promise<void>;
}

/** A root CA, an intermediate CA under it, and server certificates under that, made with the openssl CLI. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'ws-gateway-pki-'));
  const path = (file: string) => join(dir, file);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await writeFile(path('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  await writeFile(
    path('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.crt',
    '-days',
    '2',
    '-subj',
    '/CN=ws-test-root',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'intermediate.key',
    '-out',
    'intermediate.csr',
    '-subj',
    '/CN=ws-test-intermediate',
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    'intermediate.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-out',
    'intermediate.crt',
    '-days',
    '2',
    '-extfile',
    'ca.ext',
  );
  const rootPem = await readFile(path('root.crt'), 'utf8');
  return {
    dir,
    rootPem,
    intermediateFile: path('intermediate.crt'),
    async issue(name, options = {}) {
      const key = `${name}.key`;
      await openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.plain.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=localhost-${name}`,
      );
      if (options.passphrase !== undefined) {
        await openssl(
          'pkey',
          '-in',
          `${name}.plain.key`,
          '-aes256',
          '-passout',
          `pass:${options.passphrase}`,
          '-out',
          key,
        );
      } else {
        await openssl('pkey', '-in', `${name}.plain.key`, '-out', key);
      }
      await openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'intermediate.crt',
        '-CAkey',
        'intermediate.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        'server.ext',
      );
      const { stdout } = await openssl('x509', '-in', `${name}.crt`, '-noout', '-serial');
      return {
        certFile: path(`${name}.crt`),
        keyFile: path(key),
        serial: stdout
          .trim()
          .replace(/^serial=/, '')
          .toUpperCase(),
      };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
