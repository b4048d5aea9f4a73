/** start() failed: the registrar refused (its status), timed out (408) or was unreachable (503). */
export class RegistrationError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`REGISTER failed: ${status} ${reason}`);
    this.name = "RegistrationError";
  }
}
