import type { ErrorCode, NamespaceName, SocketData } from '@ws/protocol';
import type {
  AuthComponent,
  MetricsComponent,
  NamespaceMiddleware,
  RateLimitComponent,
} from '../component-contracts.js';
import type { Logger } from '../logger.js';
import { WsError } from '../ws-error.js';
import { EngineAdmission } from './engine-admission.js';
import { checkHandshakeAuth } from './handshake-auth.js';
import type { RefusalLog } from './refusal-log.js';

export interface NamespaceAdmissionDeps {
  admission: EngineAdmission;
  auth: AuthComponent | undefined;
  rateLimit: RateLimitComponent | undefined;
  metrics: MetricsComponent;
  refusals: RefusalLog;
  logger: Logger;
  /** Why new connections to the namespace are refused right now (shutdown, maintenance), if they are. */
  closedBecause(name: NamespaceName): WsError | undefined;
}

const PUBLIC_NAMESPACES: ReadonlySet<NamespaceName> = new Set(['/prices', '/market']);

/**
 * A namespace's admission, in order: the connection's verdict from its Engine.IO request (handshake rate
 * limit, per-IP cap), shutdown and maintenance, the closed handshake `auth`, re-connects beyond the free ones,
 * auth, the per-user cap. Counts attempts; counts and logs (sampled) every refusal with code, IP and user.
 */
export function namespaceAdmission(name: NamespaceName, deps: NamespaceAdmissionDeps): NamespaceMiddleware {
  const steps = admissionSteps(name, deps);
  return (socket, next) => {
    const refuse = (err: Error) => {
      if (!EngineAdmission.decidedAtRequest(err)) {
        const data = (err as { data?: { code?: ErrorCode; message?: string } }).data;
        const code = data?.code ?? 'INTERNAL';
        deps.metrics.connectionRefused(name, code);
        deps.refusals.connection({
          code,
          namespace: name,
          ip: deps.admission.ipOf(socket),
          userId: (socket.data as Partial<SocketData>).userId ?? null,
          reason: data?.message ?? err.message,
        });
      }
      next(err);
    };
    const run = (i: number): void => {
      const step = steps[i];
      if (!step) {
        deps.metrics.connectionAttempt(name);
        next();
        return;
      }
      try {
        step(socket, (err) => {
          if (err) return refuse(err);
          run(i + 1);
        });
      } catch (err) {
        deps.logger.error({ err, namespace: name }, 'connection middleware failed');
        refuse(new WsError('INTERNAL', 'internal error').toConnectError());
      }
    };
    run(0);
  };
}

function admissionSteps(name: NamespaceName, deps: NamespaceAdmissionDeps): NamespaceMiddleware[] {
  const steps: NamespaceMiddleware[] = [deps.admission.gate()];
  steps.push((_socket, next) => {
    const closed = deps.closedBecause(name);
    next(closed?.toConnectError());
  });
  steps.push((socket, next) => {
    try {
      // Replaced by what the protocol defines, so nothing else a client sent stays on the connection.
      (socket.handshake as { auth: object }).auth = checkHandshakeAuth(name, socket.handshake.auth);
    } catch (err) {
      return next(
        (err instanceof WsError ? err : new WsError('INVALID_PAYLOAD', 'invalid handshake')).toConnectError(),
      );
    }
    next();
  });
  if (deps.rateLimit) steps.push(deps.rateLimit.handshakeMiddleware());
  if (deps.auth) steps.push(deps.auth.middleware(name));
  else {
    steps.push((socket, next) => {
      if (!PUBLIC_NAMESPACES.has(name)) {
        return next(new WsError('UNAUTHORIZED', 'authentication is not configured').toConnectError());
      }
      Object.assign(socket.data, { userId: null, role: null, tokenExpiresAt: null });
      next();
    });
  }
  steps.push(deps.admission.userCap());
  return steps;
}
