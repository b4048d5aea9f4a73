import type { Failure } from "../errors/outcome.js";

/** The common response body (spec 01 §4.1, §5 shared conventions); `T` is what a client reads in `Data`. */
export interface Envelope<T = unknown> {
  RequestId: string;
  Code: number;
  StatusCode: number;
  Message: string;
  Data: T;
}

/** Spec: `Code` is "0 成功，500 操作失败"; the one printed error example with Code 0 is treated as a doc slip. */
export const CODE_OK = 0;
export const CODE_FAILED = 500;

export function successEnvelope(requestId: string, data: unknown): Envelope {
  return { RequestId: requestId, Code: CODE_OK, StatusCode: 200, Message: "ok", Data: data };
}

export function failureEnvelope(requestId: string, failure: Failure): Envelope {
  return {
    RequestId: requestId,
    Code: CODE_FAILED,
    StatusCode: failure.error.statusCode,
    Message: failure.error.message,
    Data: failure.detail,
  };
}
