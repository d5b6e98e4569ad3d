/**
 * HTTP plumbing of the validator: one GET through `fetch`, TechEmpower's header rules (anchors doc
 * §1.5), and the pipelining check over a raw socket (wrk sends 16 plaintext requests per write).
 */
import { connect } from 'node:net'
import { truncate } from './validate-html.ts'

/** Where a check's findings go; messages already say which request they are about. */
export interface Findings {
  fail(message: string): void
  warn(message: string): void
}

export type BodyKind = 'json' | 'html' | 'plaintext'

/** The Accept headers TechEmpower's load generator sends for each kind of test. */
const ACCEPT: Record<BodyKind, string> = {
  json: 'application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7',
  html: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  plaintext:
    'text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7',
}

const CONTENT_TYPE: Record<BodyKind, RegExp> = {
  json: /^application\/json(; ?charset=(UTF|utf)-8)?$/,
  html: /^text\/html; ?charset=(UTF|utf)-8$/,
  plaintext: /^text\/plain(; ?charset=(UTF|utf)-8)?$/,
}

/** Python's `%a, %d %b %Y %H:%M:%S %Z`, which TechEmpower parses the Date header with. */
const DATE_FORMAT =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC)$/

const REQUEST_TIMEOUT_MS = 10_000

export interface Answer {
  path: string
  status: number
  headers: Headers
  /** The body decoded as UTF-8, undefined when it is not valid UTF-8. */
  body: string | undefined
  bytes: number
}

/** GET `path`; a network error or timeout throws with the path and the cause in the message. */
export async function get(baseUrl: string, path: string, kind: BodyKind): Promise<Answer> {
  let response: Response
  let raw: ArrayBuffer
  try {
    response = await fetch(new URL(path, baseUrl), {
      headers: { accept: ACCEPT[kind] },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    raw = await response.arrayBuffer()
  } catch (error) {
    throw new Error(`GET ${path}: request failed: ${describeError(error)}`)
  }
  let body: string | undefined
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    body = undefined
  }
  return { path, status: response.status, headers: response.headers, body, bytes: raw.byteLength }
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
  return `${error.message}${cause}`
}

/**
 * Status 200, the headers every test needs, and a UTF-8 body. True when the body is worth
 * examining. The Content-Type of an error answer is not judged: the status says enough.
 */
export function checkAnswer(answer: Answer, kind: BodyKind, findings: Findings): boolean {
  const { path, headers } = answer
  const fail = (problem: string) => findings.fail(`GET ${path}: ${problem}`)
  for (const name of ['Server', 'Date', 'Content-Type'])
    if (!headers.has(name)) fail(`required header ${name} is missing`)
  if (!headers.has('content-length') && !headers.has('transfer-encoding'))
    fail('neither Content-Length nor Transfer-Encoding is set')
  const encoding = headers.get('content-encoding')
  if (encoding !== null) fail(`Content-Encoding ${encoding} (compression is not permitted)`)
  const length = headers.get('content-length')
  if (length !== null && encoding === null && Number(length) !== answer.bytes)
    fail(`Content-Length is ${length} but the body has ${answer.bytes} bytes`)
  const date = headers.get('date')
  if (date !== null && !DATE_FORMAT.test(date))
    findings.warn(
      `GET ${path}: Date ${JSON.stringify(date)} is not in the form "Sun, 06 Nov 1994 08:49:37 GMT"`,
    )
  if (answer.status !== 200) {
    fail(`expected status 200, got ${answer.status} ${show(answer.body)}`)
    return false
  }
  const type = headers.get('content-type')
  if (type !== null && !CONTENT_TYPE[kind].test(type))
    fail(`Content-Type ${JSON.stringify(type)} does not match ${CONTENT_TYPE[kind]}`)
  if (answer.body === undefined) fail('the body is not valid UTF-8')
  else if (answer.body.length === 0) fail('empty body')
  else return true
  return false
}

/** A body for a message: quoted and cut short. */
export function show(body: string | undefined): string {
  return body === undefined ? '(binary body)' : JSON.stringify(truncate(body, 120))
}

interface PipelinedResponse {
  status: number
  body: string
}

/**
 * Send `depth` GETs of `path` in one write on a fresh connection and read the answers; the
 * responses parsed in order, fewer than `depth` when the server stopped answering.
 */
export function getPipelined(
  baseUrl: string,
  path: string,
  depth: number,
  timeoutMs = 5000,
): Promise<PipelinedResponse[]> {
  const url = new URL(baseUrl)
  const request =
    `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: ${ACCEPT.plaintext}\r\n` +
    'Connection: keep-alive\r\n\r\n'
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    let buffered: Buffer = Buffer.alloc(0)
    let parsed: PipelinedResponse[] = []
    const finish = () => {
      socket.destroy()
      resolve(parsed)
    }
    socket.setTimeout(timeoutMs, finish)
    socket.once('connect', () => socket.write(request.repeat(depth)))
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const { responses, rest } = parseResponses(buffered)
      parsed = [...parsed, ...responses]
      buffered = rest
      if (parsed.length >= depth) finish()
    })
    socket.once('end', finish)
    socket.once('error', (error) => (parsed.length > 0 ? finish() : reject(error)))
  })
}

/** The complete HTTP/1.1 responses at the start of `data` and the bytes after them. */
export function parseResponses(data: Buffer): { responses: PipelinedResponse[]; rest: Buffer } {
  const responses: PipelinedResponse[] = []
  let offset = 0
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset)
    if (headEnd === -1) break
    const [statusLine = '', ...lines] = data.toString('latin1', offset, headEnd).split('\r\n')
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN)
    const header = (name: string) =>
      lines
        .find((l) => l.toLowerCase().startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim()
    let bodyStart = headEnd + 4
    let body: Buffer
    if (header('transfer-encoding')?.toLowerCase().includes('chunked')) {
      const chunks: Buffer[] = []
      for (;;) {
        const sizeEnd = data.indexOf('\r\n', bodyStart)
        if (sizeEnd === -1) return { responses, rest: data.subarray(offset) }
        const size = Number.parseInt(data.toString('latin1', bodyStart, sizeEnd), 16)
        if (data.length < sizeEnd + 2 + size + 2) return { responses, rest: data.subarray(offset) }
        chunks.push(data.subarray(sizeEnd + 2, sizeEnd + 2 + size))
        bodyStart = sizeEnd + 2 + size + 2
        if (size === 0) break // no trailers expected from a plaintext answer
      }
      body = Buffer.concat(chunks)
    } else {
      const length = Number(header('content-length') ?? 0)
      if (data.length < bodyStart + length) break
      body = data.subarray(bodyStart, bodyStart + length)
      bodyStart += length
    }
    responses.push({ status, body: body.toString('utf8') })
    offset = bodyStart
  }
  return { responses, rest: data.subarray(offset) }
}
