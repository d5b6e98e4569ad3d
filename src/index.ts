/**
 * Plinth: a batteries-included web framework for TypeScript on Node.js.
 *
 * This is the main entry point (`import { createApp } from 'plinth'`). Subpath modules:
 * `plinth/testing` (test client), `plinth/openapi` (OpenAPI document and docs UI),
 * `plinth/server` (serve, graceful shutdown, cluster), `plinth/http`, `plinth/validation`,
 * `plinth/di`, `plinth/logging`, `plinth/cli`.
 */
export * from './app/index.ts'
export type { Dependency, DependencyMap, ResolvedDependencies } from './di/index.ts'
export {
  binary,
  type CookieOptions,
  escapeHtml,
  type FileReplyOptions,
  type FormRecord,
  type FormValue,
  file,
  HttpError,
  type HttpErrorOptions,
  html,
  isSafeRedirect,
  json,
  noContent,
  PlinthError,
  Reply,
  type ReplyInit,
  redirect,
  type SseEvent,
  safeRedirect,
  sse,
  stream,
  text,
  UploadedFile,
} from './http/index.ts'
export type { PathParams } from './routing/index.ts'
export type { InferInput, InferOutput, StandardSchemaV1 } from './validation/index.ts'
