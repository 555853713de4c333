/**
 * Domain errors of the node. Each has a stable `code`; node/rpc.ts is the one place that maps
 * them (and the crypto core's errors) to gRPC status codes. Messages never carry secrets.
 */
export type NodeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE';

export class NodeError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export const invalidArgument = (message: string) => new NodeError('INVALID_ARGUMENT', message);
export const notFound = (message: string) => new NodeError('NOT_FOUND', message);
export const alreadyExists = (message: string) => new NodeError('ALREADY_EXISTS', message);
export const failedPrecondition = (message: string) => new NodeError('FAILED_PRECONDITION', message);
export const permissionDenied = (message: string) => new NodeError('PERMISSION_DENIED', message);
export const unauthenticated = (message: string) => new NodeError('UNAUTHENTICATED', message);
export const resourceExhausted = (message: string) => new NodeError('RESOURCE_EXHAUSTED', message);
export const unavailable = (message: string) => new NodeError('UNAVAILABLE', message);
