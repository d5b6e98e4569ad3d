/**
 * Request limits: every request is bounded. Defaults follow Fastify, Django and Werkzeug; an invalid
 * value is a startup error (body-parser CVE-2026-12590 silently disabled its limit on `NaN`).
 */
import { PlinthError } from '../http/errors.ts'

/** Limits applied while reading request bodies and query strings. */
export interface Limits {
  /** Bytes of a JSON, form, text or raw body, counted after decompression. Default 1 MiB. */
  bodySize: number
  /** Nesting depth of JSON bodies. Default 64. */
  jsonDepth: number
  /** Fields in a query string, urlencoded form or multipart form. Default 1000. */
  fields: number
  /** Bytes of one multipart text field. Default 512 KiB. */
  fieldSize: number
  /** Files in one multipart body. Default 100. */
  files: number
  /** Bytes of one uploaded file. Default 10 MiB. */
  fileSize: number
  /** Parts (fields + files) in one multipart body. Default 1000. */
  parts: number
  /** Bytes of a whole multipart body. Default 50 MiB. */
  multipartSize: number
  /** Files up to this size stay in memory; larger ones are spooled to disk. Default 256 KiB. */
  fileMemorySize: number
}

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  bodySize: 1024 * 1024,
  jsonDepth: 64,
  fields: 1000,
  fieldSize: 512 * 1024,
  files: 100,
  fileSize: 10 * 1024 * 1024,
  parts: 1000,
  multipartSize: 50 * 1024 * 1024,
  fileMemorySize: 256 * 1024,
})

/** Merge overrides into a base, rejecting anything that is not a positive safe integer. */
export function resolveLimits(
  base: Readonly<Limits>,
  overrides: Partial<Limits> | undefined,
  where: string,
): Limits {
  const limits = { ...base }
  if (overrides === undefined) return limits
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) {
      throw new PlinthError(
        'PLINTH_CONFIG_INVALID',
        `${where}: unknown limit "${key}"; known limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}.`,
      )
    }
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new PlinthError(
        'PLINTH_CONFIG_INVALID',
        `${where}: limit "${key}" must be a positive integer, got ${JSON.stringify(value)}.`,
      )
    }
    limits[key as keyof Limits] = value
  }
  return limits
}
