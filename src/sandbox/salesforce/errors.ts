/** The emulator's API error: rendered as Salesforce's `[{"message","errorCode","fields"}]` list. */
export class ApiError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Salesforce errorCode (`REQUIRED_FIELD_MISSING`). */
    readonly errorCode: string,
    message: string,
    /** Fields at fault, when the error is about fields. */
    readonly fields?: string[],
  ) {
    super(message);
  }

  /** The REST body form. */
  toBody(): { message: string; errorCode: string; fields?: string[] }[] {
    return [this.fields ? { message: this.message, errorCode: this.errorCode, fields: this.fields } : { message: this.message, errorCode: this.errorCode }];
  }

  /** The per-item form used inside sObject Collections results (`statusCode`, not `errorCode`). */
  toItem(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields ?? [] };
  }
}

/** 404 NOT_FOUND for a missing resource. */
export function notFound(message = 'The requested resource does not exist'): ApiError {
  return new ApiError(404, 'NOT_FOUND', message);
}
