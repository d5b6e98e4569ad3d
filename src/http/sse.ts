/**
 * Server-Sent Events (`text/event-stream`).
 *
 * The source is an async iterable (usually an async generator). Each item is an event object or a
 * bare value (sent as `data`, JSON-encoded unless it is a string). A comment line is sent every
 * `heartbeat` milliseconds so proxies keep the connection open, and when the client disconnects the
 * generator is stopped (its `finally` blocks run) and the `signal` it was given is aborted.
 */
import { Readable } from 'node:stream'
import { PlinthError } from './errors.ts'
import { Reply, type ReplyInit } from './reply.ts'

/** One event. `data` objects are JSON-encoded; strings are sent as they are. */
export interface SseEvent {
  data?: unknown
  event?: string
  id?: string
  /** Reconnection delay hint for the client, in milliseconds. */
  retry?: number
  comment?: string
}

/** Anything `sse()` can stream. */
export type SseSource =
  | AsyncIterable<SseEvent | unknown>
  | ((signal: AbortSignal) => AsyncIterable<SseEvent | unknown>)

function isEvent(value: unknown): value is SseEvent {
  return (
    value !== null &&
    typeof value === 'object' &&
    ('data' in value || 'event' in value || 'comment' in value || 'retry' in value)
  )
}

function field(name: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new PlinthError('PLINTH_SSE_INVALID_FIELD', `SSE ${name} must not contain line breaks.`)
  }
  return `${name}: ${value}\n`
}

/** Encode one event as its wire form (ending with a blank line). */
export function formatSseEvent(item: SseEvent | unknown): string {
  const event: SseEvent = isEvent(item) ? item : { data: item }
  let out = ''
  if (event.comment !== undefined)
    for (const line of event.comment.split(/\r\n|\r|\n/)) out += `: ${line}\n`
  if (event.event !== undefined) out += field('event', event.event)
  if (event.id !== undefined) out += field('id', event.id)
  if (event.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(event.retry))}\n`
  if (event.data !== undefined) {
    const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data)
    for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  }
  return `${out}\n`
}

/**
 * Stream Server-Sent Events.
 *
 * @example
 * app.get('/clock', () => sse(async function* (signal) {
 *   while (!signal.aborted) {
 *     yield { event: 'tick', data: { now: new Date().toISOString() } }
 *     await setTimeout(1000)
 *   }
 * }))
 */
export function sse(source: SseSource, options: ReplyInit & { heartbeat?: number } = {}): Reply {
  const controller = new AbortController()
  const heartbeatMs = options.heartbeat ?? 15_000
  let iterator: AsyncIterator<unknown> | undefined
  let timer: NodeJS.Timeout | undefined
  let reading = false
  // Pull-based: nothing runs until the response is actually being written, and a client that
  // stops reading stops the generator through back-pressure.
  const output = new Readable({
    read() {
      if (reading) return
      if (iterator === undefined) {
        const iterable = typeof source === 'function' ? source(controller.signal) : source
        iterator = iterable[Symbol.asyncIterator]()
        if (heartbeatMs > 0) {
          timer = setInterval(() => output.push(': ping\n\n'), heartbeatMs)
          timer.unref()
        }
      }
      reading = true
      iterator.next().then(
        (next) => {
          reading = false
          try {
            output.push(next.done ? null : formatSseEvent(next.value))
          } catch (error) {
            output.destroy(error as Error)
          }
        },
        (error: unknown) => output.destroy(error as Error),
      )
    },
    destroy(error, callback) {
      if (timer) clearInterval(timer)
      controller.abort()
      iterator?.return?.().catch(() => {})
      callback(error)
    },
  })
  output.on('end', () => timer && clearInterval(timer))
  const reply = new Reply('stream')
  reply.stream = output
  reply.headers['content-type'] = 'text/event-stream; charset=utf-8'
  reply.headers['cache-control'] = 'no-cache'
  reply.headers['x-accel-buffering'] = 'no'
  if (options.status !== undefined) reply.withStatus(options.status)
  if (options.headers)
    for (const name of Object.keys(options.headers)) reply.header(name, options.headers[name]!)
  return reply
}
