/**
 * Logging: structured JSON logs through pino, pretty-printed in development on a terminal.
 *
 * Every request gets an id (`ctx.id`) and `ctx.log` is a child logger carrying it, so all lines
 * of one request can be found together.
 */
import { createRequire } from 'node:module'
import { type Logger, type LoggerOptions as PinoOptions, pino } from 'pino'

export type { Logger }

/** Options for the app's logger. */
export interface LoggerOptions {
  /** `trace` … `fatal`, or `silent`. Default `info` (`debug` in debug mode). */
  level?: PinoOptions['level']
  /** Human-readable output; default: debug mode on a terminal. */
  pretty?: boolean
  /** Extra fields on every line (service name, version). */
  base?: Record<string, unknown>
  /** Header values removed from logged objects. */
  redact?: string[]
}

/**
 * Create the app logger.
 *
 * @example
 * const log = createLogger({ level: 'warn' }, false)
 */
export function createLogger(options: LoggerOptions = {}, debug = false): Logger {
  const level = options.level ?? (debug ? 'debug' : 'info')
  const config: PinoOptions = {
    level,
    base: { pid: process.pid, ...options.base },
    redact: options.redact ?? [
      'req.headers.authorization',
      'req.headers.cookie',
      'headers.authorization',
      'headers.cookie',
    ],
  }
  const usePretty = options.pretty ?? (debug && process.stdout.isTTY === true)
  if (usePretty) {
    // Loaded only here: pretty output is for development terminals, and pino-pretty with its
    // eleven dependencies would add about 20 ms to every process's start-up.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
    return pino(
      config,
      pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
    )
  }
  return pino(config, pino.destination({ sync: false }))
}

/** A logger that discards everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
