/**
 * HTTP primitives over `node:http`: errors, content types, cookies, signing, body reading, JSON,
 * forms, multipart, replies and writing them. No routing, no app: everything here is usable on
 * its own (and by the sessions, auth and WebSocket modules).
 */
export { bodyTooLarge, readBody } from './body.ts'
export {
  type FormDataDisposition,
  parseFormDataDisposition,
  sanitizeFilename,
} from './content-disposition.ts'
export { isJsonMediaType, type MediaType, parseMediaType } from './content-type.ts'
export { type CookieOptions, parseCookies, serializeCookie } from './cookies.ts'
export { HttpError, type HttpErrorOptions, PlinthError, statusText } from './errors.ts'
export { escapeHtml } from './escape.ts'
export { JsonBodyError, parseJsonBody } from './json.ts'
export { contentTypeFor } from './mime.ts'
export {
  type FormRecord,
  type FormValue,
  type MultipartLimits,
  type ParsedMultipart,
  parseMultipart,
  UploadedFile,
} from './multipart.ts'
export {
  isSafeRedirect,
  type RedirectInit,
  redirect,
  type SafeRedirectOptions,
  safeRedirect,
} from './redirect.ts'
export {
  binary,
  type FileReplyOptions,
  file,
  html,
  json,
  noContent,
  Reply,
  type ReplyInit,
  type ReplyKind,
  stream,
  text,
} from './reply.ts'
export { Signer } from './signing.ts'
export { formatSseEvent, type SseEvent, type SseSource, sse } from './sse.ts'
export {
  decodeComponent,
  parseUrlEncoded,
  TooManyFieldsError,
  type UrlEncodedRecord,
} from './urlencoded.ts'
