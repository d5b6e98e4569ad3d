/** Errors of the auth layer that routes and error handlers may want to recognise. */
import { HttpError } from '../http/index.ts'

/**
 * Thrown by guards when nobody is logged in: 401 `login_required`. When `createAuth({ loginUrl })`
 * is set, browser page requests are redirected there with `?next=<path>` instead.
 */
export class LoginRequiredError extends HttpError {
  /** `headers`: e.g. a `WWW-Authenticate` challenge for API clients. */
  constructor(options: { headers?: Record<string, string> } = {}) {
    super(401, 'Log in to see this page.', { code: 'login_required', headers: options.headers })
    this.name = 'LoginRequiredError'
  }
}
