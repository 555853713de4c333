/**
 * Domain errors of the crypto core. Each carries a stable `code` and, where it applies, the name
 * of the field that was wrong. Messages describe shapes ("expected 32 bytes, got 31"), never
 * secret values.
 */

/** A byte string could not be decoded as the type the field requires (RFC 9497 §2.1, §4.1). */
export class DeserializeError extends Error {
  readonly code = 'DESERIALIZE_ERROR';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'DeserializeError';
  }
}

/** A DLEQ proof, a Feldman share check or an envelope tag did not verify. */
export class VerifyError extends Error {
  readonly code = 'VERIFY_ERROR';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'VerifyError';
  }
}

/** A parameter is outside what the protocol allows (threshold, index, batch, input length). */
export class ParameterError extends RangeError {
  readonly code = 'PARAMETER_ERROR';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ParameterError';
  }
}

/** RFC 9497 InvalidInputError: the input hashed to the identity element (§3.3.1). */
export class InvalidInputError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidInputError';
  }
}
