/**
 * Why a message is not accepted, in the terms the ACK speaks (HL7 v2.5.1 Ch. 2 §2.9.2 original
 * acknowledgment mode, §2.14.1 MSA, §2.14.5 ERR). Reasons are fixed phrases naming segments and
 * fields only: they go back to the sender and into our logs, so they never quote a value, a NAM or
 * a name from the message.
 */

/**
 * HL7 table 0357 (message error condition codes) as used in ERR-3. 104 "Value too long" was added
 * to the table in v2.7; ERR-3 is a CWE in v2.5.1 (§2.15.5.3), so a later code of the same table may
 * be sent, and v2.5.1's table has no code for a message too long.
 */
export const ErrorCode = {
  SEGMENT_SEQUENCE: 100,
  REQUIRED_FIELD_MISSING: 101,
  DATA_TYPE: 102,
  TABLE_VALUE_NOT_FOUND: 103,
  VALUE_TOO_LONG: 104,
  UNSUPPORTED_MESSAGE_TYPE: 200,
  UNSUPPORTED_EVENT: 201,
  UNSUPPORTED_PROCESSING_ID: 202,
  UNSUPPORTED_VERSION: 203,
  DUPLICATE_KEY: 205,
  INTERNAL: 207,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The table 0357 display text, sent in ERR-3.2. */
export const ERROR_TEXT: Record<ErrorCode, string> = {
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  104: 'Value too long',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  205: 'Duplicate key identifier',
  207: 'Application internal error',
};

/** ERR-2 (ERL): where the problem is. `sequence` counts segments of that name from 1. */
export interface ErrorLocation {
  segment: string;
  sequence: number;
  field?: number;
  repetition?: number;
  component?: number;
}

/**
 * AR: the message will never be accepted as it is (acceptance validation of MSH: type, version,
 * processing id; §2.9.2.1 step 2). AE: an ORU^R01 whose content is wrong (§2.9.2.1 step 3b).
 */
export interface Rejection {
  ackCode: 'AE' | 'AR';
  errorCode: ErrorCode;
  reason: string;
  location?: ErrorLocation;
}

export const reject = (ackCode: Rejection['ackCode'], errorCode: ErrorCode, reason: string, location?: ErrorLocation): Rejection => ({
  ackCode,
  errorCode,
  reason,
  location,
});

/** Thrown inside the mappers and caught once by parseOru, so each mapper stays a plain function. */
export class RejectedMessage extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.reason);
    this.name = 'RejectedMessage';
  }
}

export const fail = (errorCode: ErrorCode, reason: string, location?: ErrorLocation): never => {
  throw new RejectedMessage(reject('AE', errorCode, reason, location));
};
